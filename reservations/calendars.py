"""Read a service's calendar and tariff from the database and hand them to the pure rules of
reservations/rules.py; compute French public holidays with the `holidays` package."""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import holidays
from django.core.cache import cache

from . import rules
from .models import (
    Closure,
    OpeningPeriod,
    SchoolHoliday,
    SchoolZone,
    ServiceCalendar,
    TariffGrid,
    TariffRow,
)


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
    # (first day, last day, class, group, reason) of the closures of one class or group only.
    class_closures: tuple[tuple[date, date, str, str, str], ...] = ()

    @property
    def daily_capacity(self) -> int | None:
        return self.calendar.daily_capacity

    def day_state(self, day: date) -> rules.DayState:
        return rules.day_state(
            self.config, day, self.public_holidays, self.school_holidays, self.closures
        )

    def day_state_for(self, day: date, beneficiary) -> rules.DayState:
        """day_state for one beneficiary: also closed by a closure of their class or group
        (a class trip), which leaves the day open to the other children."""
        state = self.day_state(day)
        if not state.open:
            return state
        for first, last, school_class, group, reason in self.class_closures:
            if (
                first <= day <= last
                and school_class in ("", beneficiary.school_class)
                and group in ("", beneficiary.group)
            ):
                return rules.DayState(False, str(rules.EXCEPTIONAL_CLOSURE) % {"reason": reason})
        return state

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


def load_calendars(service_ids: Iterable[int]) -> dict[int, ServiceCalendar]:
    """Service id → its calendar with its opening periods: one query when each has some (they
    carry it), one more for those without. A service without a calendar is left out."""
    service_ids = set(service_ids)
    calendars: dict[int, ServiceCalendar] = {}
    periods = defaultdict(list)
    for period in OpeningPeriod.objects.filter(calendar__service_id__in=service_ids).select_related(
        "calendar"
    ):
        calendars.setdefault(period.calendar.service_id, period.calendar)
        periods[period.calendar.service_id].append(period)
    if missing := service_ids - set(calendars):
        calendars.update(
            (calendar.service_id, calendar)
            for calendar in ServiceCalendar.objects.filter(service_id__in=missing)
        )
    for service_id, calendar in calendars.items():
        # What prefetch_related("opening_periods") would leave: same rows, same order (Meta).
        calendar._prefetched_objects_cache = {"opening_periods": periods[service_id]}
    return calendars


# School holidays change once a year (an agent corrects them in the admin): every calendar, basket
# and checkout would otherwise read them again. Cached per zone, dropped when a row changes.
SCHOOL_HOLIDAYS_CACHE_SECONDS = 60 * 60


def _school_holidays_key(zone: str) -> str:
    return f"reservations:school-holidays:{zone}"


def school_holidays_of_zone(zone: str) -> tuple[rules.Period, ...]:
    """Every school holiday of `zone`, by start, from the cache or one query."""
    return cache.get_or_set(
        _school_holidays_key(zone),
        lambda: tuple(
            rules.Period(row.start, row.end, row.name)
            for row in SchoolHoliday.objects.filter(zone=zone).order_by("start")
        ),
        SCHOOL_HOLIDAYS_CACHE_SECONDS,
    )


def forget_school_holidays(sender, **kwargs):
    """post_save / post_delete of a SchoolHoliday (connected in ReservationsConfig.ready()):
    every zone, since a row may have moved from one zone to another."""
    cache.delete_many([_school_holidays_key(zone) for zone in SchoolZone.values])


def _windows_of(calendars: dict[int, ServiceCalendar], start: date, end: date) -> dict:
    """Service id → the CalendarWindow of its calendar (opening periods loaded) from `start` to
    `end`, in one query whatever the number of services (closures; school holidays are cached)."""
    if not calendars:
        return {}
    closures, class_closures = defaultdict(dict), defaultdict(list)
    for calendar_id, first, last, school_class, group, reason in Closure.objects.filter(
        calendar_id__in=[calendar.pk for calendar in calendars.values()],
        date__lte=end,
        end_date__gte=start,
    ).values_list("calendar_id", "date", "end_date", "school_class", "group", "reason"):
        if school_class or group:
            # A class's or a group's closure leaves the day open to the other children.
            class_closures[calendar_id].append((first, last, school_class, group, reason))
            continue
        for offset in range((min(last, end) - max(first, start)).days + 1):
            closures[calendar_id][max(first, start) + timedelta(days=offset)] = reason
    holidays_by_zone = {
        zone: tuple(p for p in school_holidays_of_zone(zone) if p.start <= end and p.end >= start)
        for zone in {calendar.school_zone for calendar in calendars.values()}
    }
    public = public_holidays_around(start, end)
    return {
        service_id: CalendarWindow(
            calendar=calendar,
            config=calendar_config_for(calendar),
            start=start,
            end=end,
            public_holidays=public,
            school_holidays=holidays_by_zone[calendar.school_zone],
            closures=closures[calendar.pk],
            class_closures=tuple(class_closures[calendar.pk]),
        )
        for service_id, calendar in calendars.items()
    }


def calendar_windows(service_ids: Iterable[int], start: date, end: date) -> dict:
    """Service id → its CalendarWindow from `start` to `end` (both included), in two queries
    whatever the number of services; a service without a calendar is left out."""
    return _windows_of(load_calendars(service_ids), start, end)


def calendar_window(service, start: date, end: date) -> CalendarWindow:
    """One service's calendar_windows. A service without a calendar raises
    ServiceCalendar.DoesNotExist: it cannot be booked."""
    window = calendar_windows([_service_id(service)], start, end).get(_service_id(service))
    if window is None:
        raise ServiceCalendar.DoesNotExist
    return window


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


def tariff_configs(service_ids: Iterable[int]) -> dict[int, rules.TariffConfig]:
    """The rules' view of several services' tariff grids, rows in TariffRow's order, in one
    query: service id → its grid. A service without a grid is left out (it is priced by its
    stock record, as pricing.price_meal does with `tariff=None`)."""
    rows = (
        TariffGrid.objects.filter(service_id__in=set(service_ids))
        .values(
            "service_id",
            "mode",
            "effort_rate",
            "floor",
            "ceiling",
            "rows__pk",
            *(f"rows__{name}" for name in TARIFF_LINE_FIELDS),
        )
        # TariffRow's Meta ordering, which grid.rows.all() would follow.
        .order_by("service_id", *(f"rows__{name}" for name in TariffRow._meta.ordering))
    )
    grids, lines = {}, defaultdict(list)
    for row in rows:
        grids.setdefault(row["service_id"], row)
        # A grid without rows comes back as one row of NULLs.
        if row["rows__pk"] is not None:
            lines[row["service_id"]].append(
                rules.TariffLine(**{name: row[f"rows__{name}"] for name in TARIFF_LINE_FIELDS})
            )
    return {
        service_id: rules.TariffConfig(
            mode=grid["mode"],
            lines=tuple(lines[service_id]),
            effort_rate=grid["effort_rate"],
            floor=grid["floor"],
            ceiling=grid["ceiling"],
        )
        for service_id, grid in grids.items()
    }


def tariff_config_for(service) -> rules.TariffConfig | None:
    """One service's tariff_configs, or None when it has no grid."""
    return tariff_configs([_service_id(service)]).get(_service_id(service))
