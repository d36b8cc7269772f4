"""Read a service's calendar and tariff from the database and hand them to the pure rules of
reservations/rules.py; compute French public holidays with the `holidays` package."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import holidays

from . import rules
from .models import Closure, OpeningPeriod, SchoolHoliday, ServiceCalendar, TariffGrid, TariffRow


def french_public_holidays(years: Iterable[int]) -> frozenset[date]:
    """Public holidays of metropolitan France (Easter-based ones included) in these years. Our
    communes are in Haute-Loire and Ain: Alsace-Moselle's two extra days do not apply."""
    return frozenset().union(*(_public_holidays_of(year) for year in set(years)))


@functools.cache
def _public_holidays_of(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year))


def public_holidays_around(start: date, end: date) -> frozenset[date]:
    """The public holidays a calendar from `start` to `end` needs, deadlines included: a
    working-day count for a meal early in January reaches back into December."""
    return french_public_holidays(range(start.year - 1, end.year + 1))


def _service_id(service) -> int:
    return getattr(service, "pk", service)


def calendar_config_for(calendar: ServiceCalendar) -> rules.CalendarConfig:
    """The rules' view of a calendar; reads its opening periods (prefetch them for many)."""
    return rules.CalendarConfig(
        open_weekdays=frozenset(calendar.open_weekdays),
        opening_periods=tuple(
            rules.Period(period.start, period.end, period.label)
            for period in calendar.opening_periods.all()
        ),
        closed_during_school_holidays=calendar.closed_during_school_holidays,
    )


def school_holidays_for(zone: str, start: date, end: date) -> tuple[rules.Period, ...]:
    """The school holidays of a zone that overlap the dates from `start` to `end`."""
    rows = SchoolHoliday.objects.filter(zone=zone, start__lte=end, end__gte=start)
    return tuple(rules.Period(row.start, row.end, row.name) for row in rows)


def closures_for(calendar: ServiceCalendar, start: date, end: date) -> dict[date, str]:
    """The exceptional closures of a calendar from `start` to `end`: date → reason."""
    rows = Closure.objects.filter(calendar=calendar, date__range=(start, end))
    return dict(rows.values_list("date", "reason"))


@dataclass(frozen=True)
class CalendarWindow:
    """Everything the rules need to say which days of a date range a service opens, and until
    when each may be booked or cancelled; built once, asked many times without a query."""

    calendar: ServiceCalendar
    config: rules.CalendarConfig
    start: date
    end: date
    public_holidays: frozenset[date]
    school_holidays: tuple[rules.Period, ...]
    closures: dict[date, str]

    @property
    def daily_capacity(self) -> int | None:
        return self.calendar.daily_capacity

    def day_state(self, day: date) -> rules.DayState:
        return rules.day_state(
            self.config, day, self.public_holidays, self.school_holidays, self.closures
        )

    def open_days(self) -> list[date]:
        return rules.open_days(
            self.config,
            self.start,
            self.end,
            self.public_holidays,
            self.school_holidays,
            self.closures,
        )

    def booking_deadline(self, meal_date: date) -> datetime:
        return rules.deadline_for(self.calendar.booking_rule, meal_date, self.public_holidays)

    def cancellation_deadline(self, meal_date: date) -> datetime:
        return rules.deadline_for(self.calendar.cancellation_rule, meal_date, self.public_holidays)


def _calendar_with_periods(service) -> ServiceCalendar:
    """A service's calendar with its opening periods, in one query when it has some (they carry
    it), two when it has none."""
    periods = list(
        OpeningPeriod.objects.filter(calendar__service_id=_service_id(service)).select_related(
            "calendar"
        )
    )
    if periods:
        calendar = periods[0].calendar
    else:
        calendar = ServiceCalendar.objects.get(service_id=_service_id(service))
    # What prefetch_related("opening_periods") would leave: same rows, same order (Meta).
    calendar._prefetched_objects_cache = {"opening_periods": periods}
    return calendar


def calendar_window(service, start: date, end: date) -> CalendarWindow:
    """A service's calendar from `start` to `end` (both included), in three queries. A service
    without a calendar raises ServiceCalendar.DoesNotExist: it cannot be booked."""
    calendar = _calendar_with_periods(service)
    return CalendarWindow(
        calendar=calendar,
        config=calendar_config_for(calendar),
        start=start,
        end=end,
        public_holidays=public_holidays_around(start, end),
        school_holidays=school_holidays_for(calendar.school_zone, start, end),
        closures=closures_for(calendar, start, end),
    )


def open_days_for(service, start: date, end: date) -> list[date]:
    """The bookable dates of a service from `start` to `end`, in order."""
    return calendar_window(service, start, end).open_days()


TARIFF_LINE_FIELDS = (
    "category",
    "residence",
    "family_quotient_min",
    "family_quotient_max",
    "sibling_rank",
    "unit_price",
)


def tariff_config_for(service) -> rules.TariffConfig | None:
    """The rules' view of a service's tariff grid, or None when the service has none: the grid
    and its rows in one query (a grid without rows comes back as one row of NULLs)."""
    rows = list(
        TariffGrid.objects.filter(service_id=_service_id(service))
        .values(
            "mode",
            "effort_rate",
            "floor",
            "ceiling",
            "rows__pk",
            *(f"rows__{name}" for name in TARIFF_LINE_FIELDS),
        )
        # TariffRow's Meta ordering, which grid.rows.all() would follow.
        .order_by(*(f"rows__{name}" for name in TariffRow._meta.ordering))
    )
    if not rows:
        return None
    grid = rows[0]
    return rules.TariffConfig(
        mode=grid["mode"],
        lines=tuple(
            rules.TariffLine(**{name: row[f"rows__{name}"] for name in TARIFF_LINE_FIELDS})
            for row in rows
            if row["rows__pk"] is not None
        ),
        effort_rate=grid["effort_rate"],
        floor=grid["floor"],
        ceiling=grid["ceiling"],
    )
