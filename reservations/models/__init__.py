from .access import (
    AccessDocument,
    AccessEvent,
    AccessRequirements,
    AccessStatus,
    DocumentKind,
    ServiceAccess,
)
from .beneficiaries import Beneficiary, Relation, SchoolClass

__all__ = [
    "AccessDocument",
    "AccessEvent",
    "AccessRequirements",
    "AccessStatus",
    "Beneficiary",
    "DocumentKind",
    "Relation",
    "SchoolClass",
    "ServiceAccess",
]
