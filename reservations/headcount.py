"""The headcount ("effectif") of a service on a day: who eats, in which class, with which PAI,
for the agents of its commune. Read queries only; one query whatever the number of bookings."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from .models import ACTIVE_BOOKING_STATUSES, Booking, BookingStatus, SchoolClass

# Classes in school order; a beneficiary without a class comes last.
CLASS_ORDER = {value: index for index, value in enumerate(SchoolClass.values)}


@dataclass(frozen=True)
class ClassGroup:
    school_class: str
    label: str
    bookings: list[Booking]


@dataclass(frozen=True)
class Headcount:
    """The active bookings of one service and day, grouped by class then sorted by name."""

    service: object
    day: date
    groups: list[ClassGroup] = field(default_factory=list)

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


def active_bookings(service, day: date):
    """The bookings that count for the kitchen: paid ones and those whose payment is pending."""
    return Booking.objects.filter(
        service=service, date=day, status__in=ACTIVE_BOOKING_STATUSES
    ).select_related("beneficiary", "account", "tariff_option")


def _sort_key(booking: Booking):
    beneficiary = booking.beneficiary
    return (
        CLASS_ORDER.get(beneficiary.school_class, len(CLASS_ORDER)),
        beneficiary.last_name.casefold(),
        beneficiary.first_name.casefold(),
        booking.pk,
    )


def headcount_for(service, day: date) -> Headcount:
    bookings = sorted(active_bookings(service, day), key=_sort_key)
    labels = dict(SchoolClass.choices)
    groups: dict[str, list[Booking]] = {}
    for booking in bookings:
        groups.setdefault(booking.beneficiary.school_class, []).append(booking)
    return Headcount(
        service=service,
        day=day,
        groups=[
            ClassGroup(
                school_class=school_class,
                label=str(labels.get(school_class, "")) or _("Sans classe"),
                bookings=rows,
            )
            for school_class, rows in groups.items()
        ],
    )
