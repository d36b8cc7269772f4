"""Recurring bookings as a pure rule: a weekly pattern (weekdays and a frequency) over a period
gives a list of dates. No ORM: the school holidays and the clock's date are passed in.

Which of those dates a service opens, and which can still be booked, is the calendar's and the
bookability rule's business (reservations/recurring.py asks them): this module only says which
days the parent asked for, and until when a pattern may run (the end of the school year)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from .rules import Period

EVERY_WEEK = "every_week"
EVERY_OTHER_WEEK = "every_other_week"  # counted from the week of the pattern's start
EVEN_WEEKS = "even_weeks"  # ISO week numbers
ODD_WEEKS = "odd_weeks"
FREQUENCIES = (EVERY_WEEK, EVERY_OTHER_WEEK, EVEN_WEEKS, ODD_WEEKS)

# A summer holiday starts in June, July or August and lasts weeks; a term ends with any holiday
# of a week or more (Toussaint, Noël, hiver, printemps, été), not with the Ascension bridge.
SUMMER_MONTHS = (6, 7, 8)
SUMMER_MIN_DAYS = 28
TERM_BREAK_MIN_DAYS = 7
# Without holiday data far enough ahead, a pattern still stops within a year.
MAX_PERIOD_DAYS = 366


class PatternError(ValueError):
    """A pattern or a period the rule refuses; `field` names what to correct, the message (in
    French) says how."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class WeeklyPattern:
    """Weekdays (ISO, 1 = Monday … 7 = Sunday) repeated at a frequency of FREQUENCIES."""

    weekdays: frozenset[int]
    frequency: str = EVERY_WEEK

    def __post_init__(self):
        weekdays = frozenset(self.weekdays)
        object.__setattr__(self, "weekdays", weekdays)
        if not weekdays:
            raise PatternError(_("Choisissez au moins un jour de la semaine."), "weekdays")
        if any(isinstance(day, bool) or day not in range(1, 8) for day in weekdays):
            raise PatternError(_("Les jours de la semaine vont de 1 (lundi) à 7 (dimanche)."))
        if self.frequency not in FREQUENCIES:
            raise PatternError(_("Fréquence inconnue."), "frequency")

    def covers(self, day: date, anchor: date) -> bool:
        """Whether `day` belongs to the pattern started on `anchor` (its every-other-week count
        starts with the anchor's week)."""
        if day.isoweekday() not in self.weekdays:
            return False
        if self.frequency == EVERY_WEEK:
            return True
        if self.frequency == EVERY_OTHER_WEEK:
            return (monday_of(day) - monday_of(anchor)).days // 7 % 2 == 0
        week = day.isocalendar().week
        return week % 2 == (0 if self.frequency == EVEN_WEEKS else 1)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def pattern_dates(pattern: WeeklyPattern, start: date, end: date, *, anchor=None) -> list[date]:
    """The dates from `start` to `end` (both included) the pattern asks for, in order. The
    every-other-week count starts with `anchor`'s week (the period's start by default)."""
    anchor = anchor or start
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if pattern.covers(day, anchor)]


def _breaks_after(day: date, holidays: Iterable[Period], min_days: int, months=None):
    for holiday in sorted(holidays, key=lambda period: period.start):
        long_enough = (holiday.end - holiday.start).days + 1 >= min_days
        if (
            holiday.start > day
            and long_enough
            and (months is None or holiday.start.month in months)
        ):
            yield holiday


def school_year_end(day: date, school_holidays: Iterable[Period]) -> date | None:
    """The last day of the school year `day` belongs to (or, in the summer, of the next one):
    the eve of the next summer holidays of the zone. None when the holidays given do not reach
    that far."""
    summer = next(_breaks_after(day, school_holidays, SUMMER_MIN_DAYS, SUMMER_MONTHS), None)
    return summer.start - timedelta(days=1) if summer else None


def term_end(day: date, school_holidays: Iterable[Period]) -> date | None:
    """The last school day before the next holidays of a week or more: the end of the term
    ("période") `day` is in. None when the holidays given do not reach that far."""
    holiday = next(_breaks_after(day, school_holidays, TERM_BREAK_MIN_DAYS), None)
    return holiday.start - timedelta(days=1) if holiday else None


def check_period(start: date, end: date, school_holidays: Iterable[Period]) -> None:
    """Refuse a period that ends before it starts, or after the end of its school year."""
    if end < start:
        raise PatternError(_("La date de fin précède la date de début."), "end")
    last = school_year_end(start, school_holidays)
    if last is not None and end > last:
        raise PatternError(
            _(
                "Une réservation sur une période va au plus jusqu'à la fin de l'année scolaire, "
                "le %(date)s : choisissez une date de fin plus proche."
            )
            % {"date": last.strftime("%d/%m/%Y")},
            "end",
        )
    if (end - start).days > MAX_PERIOD_DAYS:
        raise PatternError(_("Un an au plus à la fois."), "end")


# --- "Repeat last week / last month" --------------------------------------------------------

WEEK = "week"
MONTH = "month"


def first_of_month(day: date, months: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def repeat_periods(what: str, today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The period to copy and the period to fill, from `today`: last week (Monday to Sunday)
    and the coming week, or last month and the coming month (calendar months)."""
    if what == WEEK:
        this_monday = monday_of(today)
        source = this_monday - timedelta(days=7)
        target = this_monday + timedelta(days=7)
        return (source, source + timedelta(days=6)), (target, target + timedelta(days=6))
    if what == MONTH:
        source, this_month = first_of_month(today, -1), first_of_month(today)
        target, after = first_of_month(today, 1), first_of_month(today, 2)
        return (
            (source, this_month - timedelta(days=1)),
            (target, after - timedelta(days=1)),
        )
    raise PatternError(_("Indiquez « week » (la semaine) ou « month » (le mois)."), "what")


def patterns_of(meals: Iterable[tuple[int, date]]) -> dict[int, WeeklyPattern]:
    """Each beneficiary's weekly pattern from the (beneficiary id, date) pairs of their meals:
    the weekdays they ate on, every week."""
    weekdays: dict[int, set[int]] = {}
    for beneficiary_id, day in meals:
        weekdays.setdefault(beneficiary_id, set()).add(day.isoweekday())
    return {pk: WeeklyPattern(frozenset(days)) for pk, days in weekdays.items()}


def expand(
    patterns: Mapping[int, WeeklyPattern], start: date, end: date, *, anchor=None
) -> list[tuple[int, date]]:
    """(beneficiary id, date) for every beneficiary's pattern over the period, by date then in
    the order the beneficiaries were given."""
    meals = [
        (beneficiary_id, day)
        for beneficiary_id, pattern in patterns.items()
        for day in pattern_dates(pattern, start, end, anchor=anchor)
    ]
    rank = {pk: n for n, pk in enumerate(patterns)}
    return sorted(meals, key=lambda meal: (meal[1], rank[meal[0]]))
