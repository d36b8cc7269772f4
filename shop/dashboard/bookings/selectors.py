"""Read queries of the booking screen, scoped to the agent's communes."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from oscar.core.loading import get_model

from accounts.selectors import communes_of
from reservations.dashboard.selectors import bookings_for_agent, services_for_agent
from reservations.models import AccessStatus, BookingStatus, ServiceAccess
from wallet.selectors import parents

Product = get_model("catalogue", "Product")


def _accepted_accesses(agent) -> QuerySet:
    return ServiceAccess.objects.filter(
        status=AccessStatus.ACCEPTED, commune__in=communes_of(agent)
    )


def families_for_agent(agent, search: str = "") -> QuerySet:
    """Parents with an accepted access to a service of the agent's communes (only they can
    book one), whose name or e-mail contains each word of `search`."""
    accounts = parents().filter(Exists(_accepted_accesses(agent).filter(account=OuterRef("pk"))))
    for word in search.split():
        accounts = accounts.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return accounts.order_by("last_name", "first_name", "pk")


def bookable_services(agent, family) -> QuerySet:
    """The services of the agent's communes that `family` has an accepted access to."""
    options = _accepted_accesses(agent).filter(account=family).values("tariff_option__parent")
    return services_for_agent(agent).filter(pk__in=options)


def upcoming_bookings(agent, family, *, limit: int = 100) -> list:
    """The family's paid meals from today on at the agent's communes, soonest first."""
    return list(
        bookings_for_agent(agent)
        .filter(account=family, status=BookingStatus.CONFIRMED, date__gte=timezone.localdate())
        .select_related("beneficiary", "service")
        .order_by("date", "service__title", "beneficiary__first_name", "pk")[:limit]
    )
