"""The dashboard's home for an agent: their day, not a shop's statistics.

Today's and tomorrow's headcount of each service of the agent's communes (with PAI and diets),
the accounts and access requests waiting for them, the closures of the next 30 days and the card
payments to look at. Oscar's `IndexView` ("Statistiques de votre magasin": orders, stock alerts,
open baskets) stays for administrators only (shop/FORKS.md says how it is wired).

Every block is read in a fixed number of queries whatever the number of services: the
headcounts are counted by the database per service, day, diet and PAI, not per service.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from oscar.apps.dashboard.views import IndexView

from accounts.selectors import communes_of
from wallet.models import CardPayment, CardPaymentPurpose, CardPaymentStatus, RegieShare

from ..calendars import calendar_windows
from ..models import ACTIVE_BOOKING_STATUSES, Booking, Diet
from .selectors import closures_for_agent, pending_counts, services_for_agent

# How far ahead the home lists closures.
CLOSURES_AHEAD = timedelta(days=30)
# How far back a refused card payment is still worth a look.
FAILED_PAYMENTS_SINCE = timedelta(days=1)
# Enough rows for a home page; the full lists are on their own screens.
MAX_ROWS = 20

DIET_LABELS = dict(Diet.choices)


@dataclass
class DayCount:
    """The active bookings (paid or awaiting payment) of one service on one day."""

    day: date
    total: int = 0
    with_pai: int = 0
    diets: dict[str, int] = field(default_factory=dict)
    # Why the service does not open that day (weekday, holidays, closure); empty when it opens.
    closed_reason: str = ""

    @property
    def special_diets(self) -> list[tuple[str, int]]:
        """(label, count) of the diets other than the standard meal, in Diet's order."""
        return [
            (str(DIET_LABELS[code]), self.diets[code])
            for code in Diet.values
            if code and self.diets.get(code)
        ]


@dataclass
class ServiceCounts:
    service: object
    days: list[DayCount]


def day_headcounts(services, days: list[date]) -> list[ServiceCounts]:
    """The counts of each service on each of `days`, and whether it opens then, in a fixed
    number of queries: the services, their calendars (reservations.calendars.calendar_windows,
    the same rules as the parents' calendar), the counts grouped by service, day and diet."""
    services = list(services)
    windows = calendar_windows([s.pk for s in services], min(days), max(days))
    rows = (
        Booking.objects.filter(
            service__in=[service.pk for service in services],
            date__in=days,
            status__in=ACTIVE_BOOKING_STATUSES,
        )
        .values("service_id", "date", "beneficiary__diet")
        .annotate(total=Count("pk"), with_pai=Count("pk", filter=Q(beneficiary__has_pai=True)))
        .order_by()
    )
    counts = {}
    for service in services:
        window = windows.get(service.pk)
        for day in days:
            state = window.day_state(day) if window else None
            reason = "" if state is None or state.open else state.reason or "-"
            counts[(service.pk, day)] = DayCount(day, closed_reason=reason)
    for row in rows:
        count = counts[(row["service_id"], row["date"])]
        count.total += row["total"]
        count.with_pai += row["with_pai"]
        diet = row["beneficiary__diet"]
        count.diets[diet] = count.diets.get(diet, 0) + row["total"]
    return [ServiceCounts(s, [counts[(s.pk, day)] for day in days]) for s in services]


def closures_ahead(agent, today: date):
    """The closures of the agent's communes' services that cover a day of the next 30 days,
    soonest first."""
    return (
        closures_for_agent(agent)
        .filter(end_date__gte=today, date__lte=today + CLOSURES_AHEAD)
        .order_by("date", "calendar__service__title", "pk")[:MAX_ROWS]
    )


def payments_to_look_at(agent, now) -> dict[str, list]:
    """The card payments of orders placed with the agent's communes' régies that need an eye:
    still pending after the card timeout (the expiry task should have cancelled them), and
    those refused in the last day."""
    of_communes = RegieShare.objects.filter(
        card_payment=OuterRef("pk"), regie__commune__in=communes_of(agent)
    )
    payments = (
        CardPayment.objects.filter(purpose=CardPaymentPurpose.ORDER)
        .filter(Exists(of_communes))
        .select_related("owner")
    )
    stale_before = now - timedelta(minutes=settings.CARD_PAYMENT_TIMEOUT_MINUTES)
    return {
        "stale": list(
            payments.filter(status=CardPaymentStatus.PENDING, created_at__lt=stale_before).order_by(
                "created_at", "pk"
            )[:MAX_ROWS]
        ),
        "failed": list(
            payments.filter(
                status=CardPaymentStatus.FAILED, updated_at__gte=now - FAILED_PAYMENTS_SINCE
            ).order_by("-updated_at", "-pk")[:MAX_ROWS]
        ),
    }


class AgentHomeView(IndexView):
    """Oscar's dashboard index, its statistics kept for administrators; an agent gets their
    day instead."""

    agent_template_name = "reservations/dashboard/home.html"

    def is_agent(self) -> bool:
        return not self.request.user.is_superuser

    def get_template_names(self):
        if self.is_agent():
            return [self.agent_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        if not self.is_agent():
            return super().get_context_data(**kwargs)
        agent = self.request.user
        now = timezone.now()
        today = timezone.localdate(now)
        days = [today, today + timedelta(days=1)]
        # Oscar's IndexView.get_context_data computes the shop's statistics: skip it.
        context = super(IndexView, self).get_context_data(**kwargs)
        context.update(
            today=today,
            tomorrow=days[1],
            headcounts=day_headcounts(services_for_agent(agent), days),
            counts=pending_counts(agent),
            closures=list(closures_ahead(agent, today)),
            closures_until=today + CLOSURES_AHEAD,
            payments=payments_to_look_at(agent, now),
            card_timeout=settings.CARD_PAYMENT_TIMEOUT_MINUTES,
        )
        return context
