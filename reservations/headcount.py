"""The headcount ("effectif") of a service on a day: who eats, in which class and group, with
which PAI and diet, for the agents of its commune and for the caterer. Read queries only, a
fixed number of them whatever the number of bookings."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from . import rules
from .calendars import calendar_window
from .models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Closure,
    Diet,
    SchoolClass,
    ServiceCalendar,
)

# Classes in school order; a beneficiary without a class comes last.
CLASS_ORDER = {value: index for index, value in enumerate(SchoolClass.values)}
# How far the previous / next service day is looked for: beyond the summer holidays.
SERVICE_DAY_SEARCH = timedelta(days=100)


def class_label(school_class: str, group: str = "") -> str:
    label = str(dict(SchoolClass.choices).get(school_class, "")) or _("Sans classe")
    return f"{label} — {group}" if group else label


def diet_counts(beneficiaries) -> dict[str, int]:
    """Diet code → number of beneficiaries, every diet present (0 included), in Diet's order."""
    counted = Counter(beneficiary.diet for beneficiary in beneficiaries)
    return {code: counted.get(code, 0) for code in Diet.values}


@dataclass(frozen=True)
class ClassGroup:
    """The bookings of one school class and group (a group is free text the family or the
    commune sets: "Les Hiboux", "Étude")."""

    school_class: str
    group: str
    label: str
    bookings: list[Booking]

    @property
    def with_pai(self) -> int:
        return sum(b.beneficiary.has_pai for b in self.bookings)

    @property
    def diets(self) -> dict[str, int]:
        return diet_counts(b.beneficiary for b in self.bookings)


@dataclass(frozen=True)
class Headcount:
    """The active bookings of one service and day, grouped by class and group then sorted by
    name; `state` says whether the service opens that day (and why not), `class_closures` the
    closures of one class or group only, `previous_day` / `next_day` the service days around."""

    service: object
    day: date
    groups: list[ClassGroup] = field(default_factory=list)
    state: rules.DayState = rules.DayState(True)
    class_closures: list[Closure] = field(default_factory=list)
    previous_day: date | None = None
    next_day: date | None = None

    @property
    def bookings(self) -> list[Booking]:
        return [booking for group in self.groups for booking in group.bookings]

    @property
    def total(self) -> int:
        return sum(len(group.bookings) for group in self.groups)

    @property
    def confirmed(self) -> int:
        return sum(b.status == BookingStatus.CONFIRMED for b in self.bookings)

    @property
    def pending_payment(self) -> int:
        return sum(b.status == BookingStatus.PENDING_PAYMENT for b in self.bookings)

    @property
    def with_pai(self) -> int:
        return sum(b.beneficiary.has_pai for b in self.bookings)

    @property
    def diets(self) -> dict[str, int]:
        return diet_counts(b.beneficiary for b in self.bookings)

    @property
    def diet_labels(self) -> list[tuple[str, str]]:
        return [(code, str(label)) for code, label in Diet.choices]


def active_bookings(service, day: date):
    """The bookings that count for the kitchen: paid ones and those whose payment is pending."""
    return Booking.objects.filter(
        service=service, date=day, status__in=ACTIVE_BOOKING_STATUSES
    ).select_related("beneficiary", "account", "tariff_option")


def _sort_key(booking: Booking):
    beneficiary = booking.beneficiary
    return (
        CLASS_ORDER.get(beneficiary.school_class, len(CLASS_ORDER)),
        beneficiary.group.casefold(),
        beneficiary.last_name.casefold(),
        beneficiary.first_name.casefold(),
        booking.pk,
    )


def group_bookings(bookings) -> list[ClassGroup]:
    """Bookings by (class, group) in school order, each group's rows by name."""
    groups: dict[tuple[str, str], list[Booking]] = {}
    for booking in sorted(bookings, key=_sort_key):
        key = (booking.beneficiary.school_class, booking.beneficiary.group.strip())
        groups.setdefault(key, []).append(booking)
    return [
        ClassGroup(
            school_class=school_class,
            group=group,
            label=class_label(school_class, group),
            bookings=rows,
        )
        for (school_class, group), rows in groups.items()
    ]


@dataclass(frozen=True)
class ServiceDays:
    """A service's calendar around a day: whether it opens then, and its service days before
    and after (closed days skipped)."""

    state: rules.DayState
    previous_day: date | None
    next_day: date | None
    first_from: date | None  # the first service day on or after the day asked


def service_days(service, day: date) -> ServiceDays:
    """Two queries (the calendar with its periods, the closures); a service without a
    calendar opens every day as far as the headcount knows."""
    try:
        window = calendar_window(service, day - SERVICE_DAY_SEARCH, day + SERVICE_DAY_SEARCH)
    except ServiceCalendar.DoesNotExist:
        return ServiceDays(
            rules.DayState(True), day - timedelta(days=1), day + timedelta(days=1), day
        )
    open_days = window.open_days()
    before = [d for d in open_days if d < day]
    after = [d for d in open_days if d > day]
    state = window.day_state(day)
    return ServiceDays(
        state=state,
        previous_day=before[-1] if before else None,
        next_day=after[0] if after else None,
        first_from=day if state.open else (after[0] if after else None),
    )


def next_service_day(service, today: date) -> date:
    """The day the headcount opens on: today when the service opens today, else its next
    service day (today when none is found within SERVICE_DAY_SEARCH)."""
    return service_days(service, today).first_from or today


def class_closures_on(service, day: date) -> list[Closure]:
    """The closures of one class or group of `service` covering `day`."""
    return list(
        Closure.objects.filter(calendar__service=service, date__lte=day, end_date__gte=day)
        .exclude(school_class="", group="")
        .order_by("school_class", "group", "pk")
    )


def headcount_for(service, day: date) -> Headcount:
    days = service_days(service, day)
    return Headcount(
        service=service,
        day=day,
        groups=group_bookings(active_bookings(service, day)),
        state=days.state,
        class_closures=class_closures_on(service, day),
        previous_day=days.previous_day,
        next_day=days.next_day,
    )
