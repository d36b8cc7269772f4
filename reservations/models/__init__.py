from .access import (
    AccessDocument,
    AccessEvent,
    AccessRequirements,
    AccessStatus,
    DocumentKind,
    ServiceAccess,
)
from .attendance import (
    AbsenceJustification,
    Attendance,
    AttendanceState,
    JustificationStatus,
)
from .beneficiaries import Beneficiary, Diet, Relation, SchoolClass
from .bookings import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus
from .calendars import (
    Closure,
    DeadlineKind,
    OpeningPeriod,
    Residence,
    SchoolHoliday,
    SchoolZone,
    ServiceCalendar,
    SiblingRank,
    TariffCategory,
    TariffGrid,
    TariffMode,
    TariffRow,
)
from .caterer import CatererRecipient, HeadcountSnapshot
from .waitlist import ACTIVE_WAITLIST_STATUSES, WaitlistEntry, WaitlistStatus

__all__ = [
    "AbsenceJustification",
    "Attendance",
    "AttendanceState",
    "JustificationStatus",
    "ACTIVE_BOOKING_STATUSES",
    "ACTIVE_WAITLIST_STATUSES",
    "Booking",
    "BookingStatus",
    "AccessDocument",
    "AccessEvent",
    "AccessRequirements",
    "AccessStatus",
    "Beneficiary",
    "CatererRecipient",
    "Closure",
    "DeadlineKind",
    "Diet",
    "DocumentKind",
    "HeadcountSnapshot",
    "OpeningPeriod",
    "Relation",
    "Residence",
    "SchoolClass",
    "SchoolHoliday",
    "SchoolZone",
    "ServiceAccess",
    "ServiceCalendar",
    "SiblingRank",
    "TariffCategory",
    "TariffGrid",
    "TariffMode",
    "TariffRow",
    "WaitlistEntry",
    "WaitlistStatus",
]
