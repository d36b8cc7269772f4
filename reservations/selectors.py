"""Read queries, scoped to whoever asks: a parent sees their own rows, an agent their communes'."""

from django.db.models import Prefetch, Q, QuerySet
from oscar.core.loading import get_model

from .models import AccessDocument, Beneficiary, ServiceAccess

Partner = get_model("partner", "Partner")


def communes_of(agent) -> QuerySet:
    """The communes (Oscar partners) an agent works for; an administrator works for all."""
    if agent.is_superuser:
        return Partner.objects.all()
    return Partner.objects.filter(users=agent)


def beneficiaries_of(account, *, include_archived=False) -> QuerySet:
    queryset = Beneficiary.objects.filter(account=account)
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset


def _with_details(queryset: QuerySet) -> QuerySet:
    current_documents = AccessDocument.objects.filter(replaced_at__isnull=True)
    return queryset.select_related(
        "tariff_option__parent", "commune", "account", "decided_by"
    ).prefetch_related(
        "beneficiaries",
        "events__actor",
        Prefetch("documents", queryset=current_documents, to_attr="current_documents"),
    )


def accesses_of(account) -> QuerySet:
    return _with_details(ServiceAccess.objects.filter(account=account))


def accesses_for_agent(agent) -> QuerySet:
    if agent.is_superuser:
        return _with_details(ServiceAccess.objects.all())
    return _with_details(ServiceAccess.objects.filter(commune__users=agent))


def readable_documents(user) -> QuerySet:
    """Documents `user` may read: their own requests', or those of their communes' requests."""
    documents = AccessDocument.objects.select_related("access")
    if user.is_superuser:
        return documents
    return documents.filter(Q(access__account=user) | Q(access__commune__users=user)).distinct()
