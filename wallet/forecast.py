"""Where the family's money goes next: the balance after the meals booked but not paid yet and
the meals in the basket, and, at the pace of the last four weeks' bookings, the day it runs out
("assez jusqu'au 14 janvier").

`forecast` is pure arithmetic over what `forecast_of` reads. The pace is an average per weekday
(what the family booked on the last four Mondays, divided by four …); closures and holidays
ahead are not known to it, so the date errs on the early side."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db.models import DecimalField, F, Sum
from django.db.models.functions import Coalesce
from oscar.core.loading import get_model

from .models import POT_KINDS, LedgerAccount, RegieShare, ShareStatus
from .rules import ZERO

HABIT_WEEKS = 4
HORIZON_DAYS = 366
CENT = Decimal("0.01")

NO_HABIT = "no_habit"  # nothing booked lately: no date can be told
SHORT = "short"  # the unpaid meals and the basket already cost more than the pots hold
UNTIL = "until"  # enough until `enough_until`
BEYOND = "beyond"  # enough for more than a year at this pace


@dataclass(frozen=True)
class Forecast:
    balance: Decimal
    unpaid: Decimal
    basket: Decimal
    after: Decimal
    status: str
    enough_until: date | None = None
    # ISO weekday (1 = Monday) → what a usual such day costs the family.
    pace: Mapping[int, Decimal] = field(default_factory=dict)

    @property
    def missing(self) -> Decimal:
        return max(-self.after, ZERO)


def forecast(
    *,
    balance: Decimal,
    unpaid: Decimal,
    basket: Decimal,
    pace: Mapping[int, Decimal],
    today: date,
    booked_until: date | None = None,
) -> Forecast:
    """The balance left once `unpaid` and `basket` are paid, then the last day it covers when
    each coming day costs `pace[weekday]`, from the day after `booked_until` (the days up to it
    are booked already: paid, or counted in `unpaid`) or from today."""
    after = balance - unpaid - basket
    base = {"balance": balance, "unpaid": unpaid, "basket": basket, "after": after, "pace": pace}
    if after < 0:
        return Forecast(**base, status=SHORT)
    if not any(cost > 0 for cost in pace.values()):
        return Forecast(**base, status=NO_HABIT)
    start = max(today, booked_until + timedelta(days=1)) if booked_until else today
    left = after
    for offset in range(HORIZON_DAYS):
        day = start + timedelta(days=offset)
        left -= pace.get(day.isoweekday(), ZERO)
        if left < 0:
            return Forecast(**base, status=UNTIL, enough_until=day - timedelta(days=1))
    return Forecast(**base, status=BEYOND)


def pace_of(
    spent_by_weekday: Mapping[int, Decimal], weeks: int = HABIT_WEEKS
) -> dict[int, Decimal]:
    """What a usual day of each weekday costs: its bookings over `weeks` weeks, averaged."""
    return {
        weekday: (amount / weeks).quantize(CENT, rounding=ROUND_HALF_UP)
        for weekday, amount in spent_by_weekday.items()
        if amount > 0
    }


# --- Selector ---------------------------------------------------------------------------------
# The wallet is the bottom layer: bookings and baskets are read through the app registry, by
# name, never by importing the apps above.

ACTIVE_BOOKINGS = ("pending_payment", "confirmed")


def forecast_of(owner, *, today: date) -> Forecast:
    """The owner's forecast, in five queries whatever the number of pots, bookings or lines."""
    Booking = apps.get_model("reservations", "Booking")
    BasketLine = get_model("basket", "Line")
    money = DecimalField(max_digits=12, decimal_places=2)
    balance = LedgerAccount.objects.filter(owner=owner, kind__in=POT_KINDS).aggregate(
        total=Coalesce(Sum("balance"), ZERO, output_field=money)
    )["total"]
    unpaid = RegieShare.objects.filter(owner=owner, status=ShareStatus.PENDING).aggregate(
        total=Coalesce(Sum("card_amount"), ZERO, output_field=money)
    )["total"]
    basket = BasketLine.objects.filter(basket__owner=owner, basket__status="Open").aggregate(
        total=Coalesce(Sum(F("price_incl_tax") * F("quantity")), ZERO, output_field=money)
    )["total"]
    active = Booking.objects.filter(account=owner, status__in=ACTIVE_BOOKINGS)
    spent = {weekday: ZERO for weekday in range(1, 8)}
    since = today - timedelta(weeks=HABIT_WEEKS)
    for day, price in active.filter(date__gte=since, date__lt=today).values_list(
        "date", "unit_price"
    ):
        spent[day.isoweekday()] += price
    booked_until = (
        active.filter(date__gte=today).order_by("-date").values_list("date", flat=True).first()
    )
    return forecast(
        balance=balance,
        unpaid=unpaid,
        basket=basket,
        pace=pace_of(spent),
        today=today,
        booked_until=booked_until,
    )
