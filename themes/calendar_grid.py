"""The booking calendar laid out for its template: `reservations.month.month_calendar`'s
answer as weeks of seven days (Monday first), each day holding one cell per child shown, and the
month's deadlines. Pure presentation over data already read: nothing here queries."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy

from reservations.month import BOOKABLE, BOOKED, CLOSED, FULL, IN_BASKET, LOCKED, CalendarDay
from reservations.rules import format_deadline
from wallet import money

from .calendar_cells import CellTexts, MealsOfDay

STATE_LABELS = {
    CLOSED: gettext_lazy("Fermé"),
    BOOKABLE: gettext_lazy("Réservable"),
    IN_BASKET: gettext_lazy("Dans le panier"),
    BOOKED: gettext_lazy("Réservé"),
    LOCKED: gettext_lazy("Date limite dépassée"),
    FULL: gettext_lazy("Complet"),
}


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after `month`'s (before it, if negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def last_day_of(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


@dataclass
class Cell:
    """One child on one day, with the texts the template shows (worked out once per cell)."""

    beneficiary: dict
    day: CalendarDay
    checked: bool = False
    errors: list = field(default_factory=list)
    price: str = ""  # the price in the page's language, "" when there is none
    price_reason: str = ""  # why, in a few words ("QF 600–800, 2e enfant")

    def __post_init__(self):
        self.value = f"{self.beneficiary['id']}:{self.day.date.isoformat()}"
        self.field_id = f"repas-{self.beneficiary['id']}-{self.day.date.isoformat()}"
        self.label = STATE_LABELS[self.day.state]


@dataclass
class GridDay:
    """One day of the grid; its names and deadline are worked out once, for every cell."""

    date: date
    in_month: bool
    cells: list = field(default_factory=list)

    def __post_init__(self):
        self.iso = self.date.isoformat()
        self.long_name = formats.date_format(self.date, "l j F")

    @property
    def closed(self) -> bool:
        return all(cell.day.state == CLOSED for cell in self.cells)

    @property
    def closed_reason(self) -> str:
        return self.cells[0].day.reason if self.cells else ""

    @property
    def bookable(self) -> bool:
        return any(cell.day.state == BOOKABLE for cell in self.cells)

    @cached_property
    def short_deadline(self) -> str:
        """The booking deadline of a bookable day, short ("27/11 10:00"): one per service and
        day, whoever the child."""
        for cell in self.cells:
            if cell.day.state == BOOKABLE and cell.day.booking_deadline:
                return timezone.localtime(cell.day.booking_deadline).strftime("%d/%m %H:%M")
        return ""


@dataclass
class GridWeek:
    monday: date
    days: list

    @property
    def bookable(self) -> bool:
        return any(day.bookable for day in self.days if day.in_month)


def month_grid(months, month: date, *, checked=frozenset(), errors=None):
    """Returns (weeks, deadlines): the month as GridWeeks, whole weeks from Monday to Sunday,
    and each open day's booking and cancellation deadlines. `checked` and `errors` are keyed by
    the cells' value ("<beneficiary id>:<YYYY-MM-DD>")."""
    errors = errors or {}
    texts = CellTexts()
    start = month - timedelta(days=month.weekday())
    last = last_day_of(month)
    end = last + timedelta(days=6 - last.weekday())
    days = {}
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        days[day] = GridDay(day, day.month == month.month)
        days[day].meals = MealsOfDay(days[day], texts)
    deadlines = []
    prices = {}  # amount → its text: babel is slow, and a month repeats a few prices
    for beneficiary_month in months:
        for service_month in beneficiary_month.services:
            for entry in service_month.days:
                cell = Cell(beneficiary_month.beneficiary, entry)
                cell.checked = cell.value in checked
                cell.errors = errors.get(cell.value, [])
                if entry.price is not None:
                    if entry.price not in prices:
                        prices[entry.price] = money.euros(entry.price)
                    cell.price = prices[entry.price]
                    cell.price_reason = entry.price_reason
                days[entry.date].cells.append(cell)
    for day in days.values():
        first_open = next((c for c in day.cells if c.day.booking_deadline), None)
        if day.in_month and first_open:
            deadlines.append(
                {
                    "date": day.date,
                    "booking": format_deadline(first_open.day.booking_deadline),
                    "cancellation": format_deadline(first_open.day.cancellation_deadline),
                }
            )
    ordered = [days[day] for day in sorted(days)]
    weeks = [GridWeek(ordered[n].date, ordered[n : n + 7]) for n in range(0, len(ordered), 7)]
    return weeks, deadlines
