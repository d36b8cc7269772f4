"""Read queries of the agents' family screens, scoped to the agent's communes."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Cast
from oscar.core.loading import get_model

from accounts.selectors import communes_of, parents
from accounts.services import REFUSAL_MESSAGE_PREFIX

from ..models import (
    ACTIVE_BOOKING_STATUSES,
    AbsenceJustification,
    AccessStatus,
    Beneficiary,
    Booking,
    CatererRecipient,
    Closure,
    HeadcountSnapshot,
    JustificationStatus,
    ServiceAccess,
)
from ..selectors import accesses_for_agent

Product = get_model("catalogue", "Product")


def parents_for_agent(agent) -> QuerySet:
    """The parents an agent deals with: those who asked access to one of the agent's communes,
    and those who asked none yet (an account records no commune of its own: a new family belongs
    to no commune until it asks). An administrator sees them all; staff accounts (agents,
    officers) are never parents."""
    accounts = parents()
    if not agent.is_superuser:
        requests = ServiceAccess.objects.filter(account=OuterRef("pk"))
        accounts = accounts.filter(
            ~Exists(requests) | Exists(requests.filter(commune__in=communes_of(agent)))
        )
    return accounts


def account_refusals() -> QuerySet:
    """The refusals of accounts (accounts.services.refuse_account), in Django's admin log."""
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(get_user_model()),
        change_message__startswith=REFUSAL_MESSAGE_PREFIX,
    )


def accounts_awaiting_validation(agent, *, refused: bool = False) -> QuerySet:
    """Parents' accounts not validated yet that `agent` may validate (parents_for_agent), oldest
    first; with `refused`, those already refused instead of those not decided yet. Each carries
    `asked_accesses` with its communes."""
    refusal = account_refusals().filter(object_id=Cast(OuterRef("pk"), CharField()))
    accounts = parents_for_agent(agent).filter(validated_at__isnull=True)
    accounts = accounts.filter(Exists(refusal) if refused else ~Exists(refusal))
    asked = ServiceAccess.objects.select_related("commune").order_by("commune__name")
    return accounts.prefetch_related(
        Prefetch("service_accesses", queryset=asked, to_attr="asked_accesses")
    ).order_by("date_joined", "pk")


def services_for_agent(agent) -> QuerySet:
    """The services (parent products) offered by the agent's communes, to filter requests by."""
    return (
        Product.objects.filter(
            structure=Product.PARENT,
            children__stockrecords__partner__in=communes_of(agent),
        )
        .distinct()
        .order_by("title")
    )


def pending_counts(agent) -> dict[str, int | None]:
    """What waits for `agent`: accounts to validate and access requests to examine; None for a
    queue the agent has no right to."""
    may_validate = agent.is_superuser or agent.has_perm("accounts.validate_account")
    may_review = agent.is_superuser or agent.has_perm("reservations.review_serviceaccess")
    return {
        "accounts": accounts_awaiting_validation(agent).count() if may_validate else None,
        "accesses": (
            accesses_for_agent(agent).filter(status=AccessStatus.PENDING).count()
            if may_review
            else None
        ),
        "justifications": (
            AbsenceJustification.objects.filter(
                commune__in=communes_of(agent), status=JustificationStatus.PENDING
            ).count()
            if may_review
            else None
        ),
    }


def bookings_for_agent(agent) -> QuerySet:
    """The bookings of the agent's communes, to act on one of them on a parent's behalf."""
    return Booking.objects.filter(commune__in=communes_of(agent))


def closures_for_agent(agent) -> QuerySet:
    """The exceptional closures of the agent's communes' services, latest day first."""
    return (
        Closure.objects.filter(calendar__service__in=services_for_agent(agent))
        .select_related("calendar__service", "created_by")
        .order_by("-date", "-pk")
    )


def recipients_for_agent(agent) -> QuerySet:
    """The caterer addresses of the agent's communes' services, by service."""
    return (
        CatererRecipient.objects.filter(service__in=services_for_agent(agent))
        .select_related("service")
        .order_by("service__title", "email", "pk")
    )


def snapshots_for_agent(agent) -> QuerySet:
    """The frozen headcounts of the agent's communes' services, latest day first."""
    return (
        HeadcountSnapshot.objects.filter(service__in=services_for_agent(agent))
        .select_related("service")
        .order_by("-date", "service__title", "pk")
    )


# Enough for a datalist; a commune has a few groups per school.
MAX_GROUP_SUGGESTIONS = 200


def groups_for_agent(agent) -> list[str]:
    """The groups of the beneficiaries with an active booking at the agent's communes, by
    name: what a group's closure can match."""
    booked = Booking.objects.filter(
        beneficiary=OuterRef("pk"),
        commune__in=communes_of(agent),
        status__in=ACTIVE_BOOKING_STATUSES,
    )
    return list(
        Beneficiary.objects.exclude(group="")
        .filter(Exists(booked))
        .order_by("group")
        .values_list("group", flat=True)
        .distinct()[:MAX_GROUP_SUGGESTIONS]
    )
