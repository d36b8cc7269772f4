"""Pointage: staff record who came on a service day; the billing run reads the month and locks
the days it billed. Also what a day costs by its attendance (the service's modifiers and, for a
presence without booking, the price the grid gives that day)."""

import calendar as month_calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import capacity, rules
from .attendance_pricing import DEFAULT_MODIFIERS, AttendanceModifiers
from .calendars import tariff_config_for
from .models import (
    ACTIVE_BOOKING_STATUSES,
    AccessStatus,
    Attendance,
    AttendanceState,
    Beneficiary,
    Booking,
    BookingStatus,
    ServiceAccess,
    TariffGrid,
)
from .pricing import price_meal
from .selectors import accepted_accesses

BOOKED_STATES = (
    AttendanceState.PRESENT,
    AttendanceState.ABSENT,
    AttendanceState.ABSENT_JUSTIFIED,
)


class AttendanceError(ValueError):
    """A pointage that cannot be saved, with French messages for the agent (nothing saved)."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


# --- Prepaid or post-paid -----------------------------------------------------------------------

# Billing (the app above this one) registers here how to tell a post-paid service: this layer
# may not import it. With nothing registered every service is prepaid, as before issue 16.
_post_paid_checks: list[Callable[[int], bool]] = []


def register_post_paid_check(check: Callable[[int], bool]) -> None:
    """`check(service_id) -> bool`, called by is_post_paid; registered once (AppConfig.ready)."""
    if check not in _post_paid_checks:
        _post_paid_checks.append(check)


def is_post_paid(service) -> bool:
    """Whether the service is billed after the fact from attendance (then a justified absence is
    priced 0 on the invoice) rather than paid at booking (then it is refunded to the pot)."""
    service_id = getattr(service, "pk", service)
    return any(check(service_id) for check in _post_paid_checks)


# --- Prices -------------------------------------------------------------------------------------


def modifiers_for(service_ids: Iterable[int]) -> dict[int, AttendanceModifiers]:
    """Service id → the percentages its tariff grid sets per attendance state; a service without
    a grid gets the defaults. One query."""
    service_ids = set(service_ids)
    found = {
        row["service_id"]: AttendanceModifiers(
            present=row["present_percent"],
            absent=row["absent_percent"],
            absent_justified=row["absent_justified_percent"],
            present_unbooked=row["present_unbooked_percent"],
        )
        for row in TariffGrid.objects.filter(service_id__in=service_ids).values(
            "service_id",
            "present_percent",
            "absent_percent",
            "absent_justified_percent",
            "present_unbooked_percent",
        )
    }
    return {service_id: found.get(service_id, DEFAULT_MODIFIERS) for service_id in service_ids}


def unbooked_base_price(beneficiary, service, day: date) -> rules.PriceExplanation:
    """The day's price of a presence without booking, by the grid the server applies to a
    booking (pricing.price_meal: the family's accepted access, the siblings booked that day).
    Raises AttendanceError when the beneficiary has no accepted access to the service, and
    rules.NoTariffError when the grid has no price for them."""
    service_id = getattr(service, "pk", service)
    access = accepted_accesses(beneficiary.account_id, [beneficiary.pk], [service_id]).get(
        (beneficiary.pk, service_id)
    )
    if access is None:
        raise AttendanceError(_no_access_message(beneficiary))
    siblings = Beneficiary.objects.filter(
        bookings__service_id=service_id,
        bookings__date=day,
        bookings__status__in=ACTIVE_BOOKING_STATUSES,
        account_id=beneficiary.account_id,
    ).distinct()
    return price_meal(
        beneficiary,
        access.tariff_option,
        day,
        list(siblings),
        access,
        tariff=tariff_config_for(service_id),
        fallback_price=access.option_price,
    )


def _no_access_message(beneficiary) -> str:
    return _("%(name)s n'a pas d'accès accepté à ce service.") % {"name": beneficiary}


# --- Reading and locking, for the billing run ---------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, month_calendar.monthrange(year, month)[1])


def attendance_for_month(service_ids: Iterable[int], year: int, month: int) -> list[Attendance]:
    """Every billable day of these services in the month, by date, service and beneficiary: the
    attendance recorded, and for each active booking nobody pointed an unsaved Attendance
    (pk None, state present, recorded_by None): a booked day is due unless marked otherwise.
    Two queries; beneficiary, service and booking loaded."""
    service_ids = list(service_ids)
    first, last = month_bounds(year, month)
    recorded = list(
        Attendance.objects.filter(service_id__in=service_ids, date__range=(first, last))
        # A booking cancelled after its pointage is no longer due.
        .exclude(booking__status=BookingStatus.CANCELLED)
        .select_related("beneficiary__account", "service", "booking")
        .order_by("date", "service_id", "beneficiary_id")
    )
    seen = {(a.beneficiary_id, a.service_id, a.date) for a in recorded}
    bookings = Booking.objects.filter(
        service_id__in=service_ids,
        date__range=(first, last),
        status__in=ACTIVE_BOOKING_STATUSES,
    ).select_related("beneficiary__account", "service")
    unpointed = [
        Attendance(
            beneficiary=booking.beneficiary,
            service=booking.service,
            date=booking.date,
            booking=booking,
            state=AttendanceState.PRESENT,
            recorded_by=None,
        )
        for booking in bookings
        if (booking.beneficiary_id, booking.service_id, booking.date) not in seen
    ]
    return sorted(recorded + unpointed, key=lambda a: (a.date, a.service_id, a.beneficiary_id))


def lock_attendance(service_id: int, dates: Iterable[date], by=None, *, now=None) -> int:
    """Freeze these days of the service once billed: each active booking nobody pointed is
    recorded present (by the system), then every row of those days gets `locked_at`; no pointage
    changes them afterwards. Idempotent; returns the number of rows newly locked."""
    dates = sorted(set(dates))
    now = now or timezone.now()
    with transaction.atomic():
        _lock_days(service_id, dates)
        existing = set(
            Attendance.objects.filter(service_id=service_id, date__in=dates).values_list(
                "beneficiary_id", "date"
            )
        )
        bookings = Booking.objects.filter(
            service_id=service_id, date__in=dates, status__in=ACTIVE_BOOKING_STATUSES
        ).values_list("pk", "beneficiary_id", "date")
        Attendance.objects.bulk_create(
            Attendance(
                beneficiary_id=beneficiary_id,
                service_id=service_id,
                date=day,
                booking_id=booking_id,
                state=AttendanceState.PRESENT,
                recorded_by=None,
                recorded_at=now,
            )
            for booking_id, beneficiary_id, day in bookings
            if (beneficiary_id, day) not in existing
        )
        return Attendance.objects.filter(
            service_id=service_id, date__in=dates, locked_at__isnull=True
        ).update(locked_at=now)


def _lock_days(service_id: int, dates: list[date]) -> None:
    """Pointage and billing of a day take it exclusively, as a closure does: a booking of that
    day waits, and a pointage never races the run that locks it."""
    capacity.lock_meal_days([(service_id, day) for day in dates], exclusive=True)


def locked_message(day: date, locked_at: datetime) -> str:
    return _(
        "Le pointage du %(day)s est verrouillé : la journée a été facturée le %(when)s. "
        "Il ne peut plus être modifié."
    ) % {
        "day": f"{day:%d/%m/%Y}",
        "when": f"{timezone.localtime(locked_at):%d/%m/%Y à %H:%M}",
    }


def day_lock(service_id: int, day: date) -> datetime | None:
    """When the service's day was billed (its pointage frozen), or None."""
    return (
        Attendance.objects.filter(service_id=service_id, date=day, locked_at__isnull=False)
        .order_by("locked_at")
        .values_list("locked_at", flat=True)
        .first()
    )


# --- Recording ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """One line of a pointage: a beneficiary and the state the agent chose."""

    beneficiary_id: int
    state: str


def record_attendance(
    service,
    day: date,
    marks: Iterable[Mark],
    *,
    by,
    now: datetime | None = None,
    not_there: Iterable[int] = (),
) -> list[Attendance]:
    """Save a day's pointage, all of it or nothing (AttendanceError lists every problem): a
    booked beneficiary is present, absent or absent justified; present without booking only for
    a beneficiary of the service (accepted access) not booked that day. `not_there`: the ids
    whose presence without booking is withdrawn (a mistaken tick). A billed day is refused."""
    service_id = getattr(service, "pk", service)
    marks = list(marks)
    now = now or timezone.now()
    with transaction.atomic():
        _lock_days(service_id, [day])
        locked_at = day_lock(service_id, day)
        if locked_at is not None:
            raise AttendanceError(locked_message(day, locked_at))
        bookings = _bookings_by_beneficiary(service_id, day)
        existing = {
            a.beneficiary_id: a
            for a in Attendance.objects.select_for_update().filter(service_id=service_id, date=day)
        }
        errors = _check_marks(service_id, marks, bookings)
        if errors:
            raise AttendanceError(errors)
        withdrawn = set(not_there) - {mark.beneficiary_id for mark in marks}
        Attendance.objects.filter(
            service_id=service_id,
            date=day,
            beneficiary_id__in=withdrawn,
            state=AttendanceState.PRESENT_UNBOOKED,
        ).delete()
        return _save_marks(marks, service_id, day, bookings, existing, by, now)


def _bookings_by_beneficiary(service_id: int, day: date) -> Mapping[int, Booking]:
    return {
        b.beneficiary_id: b
        for b in Booking.objects.filter(
            service_id=service_id, date=day, status__in=ACTIVE_BOOKING_STATUSES
        ).select_related("beneficiary")
    }


def _check_marks(service_id, marks: list[Mark], bookings) -> list[str]:
    errors = []
    if len({m.beneficiary_id for m in marks}) != len(marks):
        errors.append(_("Un même enfant est pointé deux fois."))
    unbooked = [m.beneficiary_id for m in marks if m.beneficiary_id not in bookings]
    beneficiaries = Beneficiary.objects.in_bulk(unbooked)
    with_access = _with_access(service_id, unbooked)
    for mark in marks:
        if mark.state not in AttendanceState.values:
            errors.append(_("État de pointage inconnu : %(state)s.") % {"state": mark.state})
        elif mark.beneficiary_id in bookings:
            if mark.state == AttendanceState.PRESENT_UNBOOKED:
                errors.append(
                    _("%(name)s a une réservation ce jour-là : choisissez « Présent ».")
                    % {"name": bookings[mark.beneficiary_id].beneficiary}
                )
        else:
            errors.extend(_unbooked_mark_errors(mark, beneficiaries, with_access))
    return errors


def _with_access(service_id, beneficiary_ids) -> set[int]:
    """Which of these beneficiaries an accepted access lets eat at the service (one query)."""
    if not beneficiary_ids:
        return set()
    Link = ServiceAccess.beneficiaries.through
    return set(
        Link.objects.filter(
            beneficiary_id__in=beneficiary_ids,
            serviceaccess__status=AccessStatus.ACCEPTED,
            serviceaccess__tariff_option__parent_id=service_id,
            # The family's own access: a child is nobody else's to declare.
            serviceaccess__account_id=F("beneficiary__account_id"),
        ).values_list("beneficiary_id", flat=True)
    )


def _unbooked_mark_errors(mark: Mark, beneficiaries, with_access) -> list[str]:
    beneficiary = beneficiaries.get(mark.beneficiary_id)
    if beneficiary is None or beneficiary.is_archived:
        return [_("Cet enfant est introuvable.")]
    if mark.state != AttendanceState.PRESENT_UNBOOKED:
        return [
            _(
                "%(name)s n'a pas de réservation ce jour-là : seul « Présent sans réservation » "
                "est possible."
            )
            % {"name": beneficiary}
        ]
    if beneficiary.pk not in with_access:
        return [_no_access_message(beneficiary)]
    return []


def _save_marks(marks, service_id, day, bookings, existing, by, now) -> list[Attendance]:
    """Two statements whatever the number of children: new rows inserted, the others updated
    (the day's rows are locked by the caller)."""
    saved, new = [], []
    for mark in marks:
        attendance = existing.get(mark.beneficiary_id)
        if attendance is None:
            attendance = Attendance(
                beneficiary_id=mark.beneficiary_id, service_id=service_id, date=day
            )
            new.append(attendance)
        attendance.booking = bookings.get(mark.beneficiary_id)
        attendance.state = mark.state
        attendance.recorded_by = by
        attendance.recorded_at = now
        saved.append(attendance)
    Attendance.objects.bulk_create(new)
    changed = [a for a in saved if a.pk is not None and a not in new]
    Attendance.objects.bulk_update(changed, ["booking", "state", "recorded_by", "recorded_at"])
    return saved
