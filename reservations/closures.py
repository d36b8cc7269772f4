"""Exceptional closures decided by a commune (strike, school trip): of a whole service or of one
school class or group, over a day or a range of days. The agent first sees what a closure would
cancel (`preview_closure`), then confirms with that preview's token (`close`): the closure
cancels exactly the paid bookings previewed, refunds each price to the service's pot and tells
each family once by e-mail, all or nothing. When the bookings changed meanwhile, nothing is done
and the new preview is handed back (`PreviewChanged`)."""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import ActorRole

from . import capacity
from .bookings import cancel_bookings
from .models import (
    ACTIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Closure,
    SchoolClass,
    ServiceCalendar,
)

# A closure longer than a school year is a typing mistake (2062 for 2026).
MAX_CLOSURE_DAYS = 366


@dataclass(frozen=True)
class ClosureRequest:
    """What the agent asks: close `service` from `start` to `end` (included), for everyone or
    only for one school class and/or group."""

    service: object
    start: date
    end: date
    reason: str
    school_class: str = ""
    group: str = ""

    @property
    def whole_service(self) -> bool:
        return not self.school_class and not self.group

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def scope_label(self) -> str:
        """ "la classe CP, groupe Les Hiboux", "tous les enfants"."""
        parts = []
        if self.school_class:
            parts.append(
                _("la classe %(name)s")
                % {"name": dict(SchoolClass.choices).get(self.school_class, self.school_class)}
            )
        if self.group:
            parts.append(_("le groupe %(name)s") % {"name": self.group})
        return ", ".join(parts) or _("tous les enfants")

    def dates_label(self) -> str:
        if self.start == self.end:
            return _("le %(date)s") % {"date": f"{self.start:%d/%m/%Y}"}
        return _("du %(start)s au %(end)s") % {
            "start": f"{self.start:%d/%m/%Y}",
            "end": f"{self.end:%d/%m/%Y}",
        }


@dataclass(frozen=True)
class FamilyRefund:
    account: object
    bookings: list[Booking]

    @property
    def total(self) -> Decimal:
        return sum((b.unit_price for b in self.bookings), Decimal("0.00"))


@dataclass(frozen=True)
class ClosurePreview:
    """The paid bookings a closure would cancel and refund, by family; those still awaiting
    their card payment (left to it); and the token a confirmation must carry."""

    request: ClosureRequest
    cancelled: list[Booking]
    pending_payment: list[Booking]
    token: str
    families: list[FamilyRefund] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((family.total for family in self.families), Decimal("0.00"))


@dataclass(frozen=True)
class ClosedDay:
    closure: Closure
    cancelled: list[Booking]
    # Bookings still awaiting their card payment: nothing was paid, so nothing can be refunded
    # yet; they are cancelled automatically when unpaid, or by an agent once paid.
    pending_payment: list[Booking]


class PreviewChanged(Exception):
    """The bookings changed since the agent's preview: nothing was closed; here is the new
    preview to confirm."""

    def __init__(self, preview: ClosurePreview):
        self.preview = preview
        super().__init__("The closure's bookings changed since its preview.")


def _calendar_of(request: ClosureRequest) -> ServiceCalendar:
    calendar = ServiceCalendar.objects.filter(service=request.service).first()
    if calendar is None:
        raise ValidationError(
            {"service": _("Ce service n'a pas de calendrier : définissez-le d'abord.")}
        )
    return calendar


def _check(request: ClosureRequest, calendar: ServiceCalendar) -> None:
    """ValidationError when the range is reversed or too long, or when it overlaps a closure
    of the same children (or of the whole service)."""
    if request.end < request.start:
        raise ValidationError({"end": _("La fin doit être le premier jour ou un jour après.")})
    if (request.end - request.start).days >= MAX_CLOSURE_DAYS:
        raise ValidationError(
            {"end": _("Une fermeture dure au plus %(days)d jours.") % {"days": MAX_CLOSURE_DAYS}}
        )
    overlapping = Closure.objects.filter(
        calendar=calendar, date__lte=request.end, end_date__gte=request.start
    )
    same_children = overlapping.filter(school_class="", group="")
    if not request.whole_service:
        same_children = same_children | overlapping.filter(
            school_class=request.school_class, group=request.group
        )
    existing = same_children.order_by("date").first()
    if existing is not None:
        raise ValidationError(
            {
                "date": _(
                    "Ce service est déjà fermé le %(date)s pour ces enfants : supprimez cette "
                    "fermeture pour en saisir une autre."
                )
                % {"date": f"{max(existing.date, request.start):%d/%m/%Y}"}
            }
        )


def _affected(request: ClosureRequest) -> list[Booking]:
    bookings = Booking.objects.filter(
        service=request.service,
        date__range=(request.start, request.end),
        status__in=ACTIVE_BOOKING_STATUSES,
    )
    if request.school_class:
        bookings = bookings.filter(beneficiary__school_class=request.school_class)
    if request.group:
        bookings = bookings.filter(beneficiary__group=request.group)
    return list(
        bookings.select_related("beneficiary", "account").order_by(
            "date", "beneficiary__last_name", "beneficiary__first_name", "pk"
        )
    )


def _token(request: ClosureRequest, bookings: list[Booking]) -> str:
    """A digest of the request and of each affected booking's id, status and price: equal
    tokens mean the confirmation would do exactly what the preview showed."""
    payload = {
        "service": request.service.pk,
        "start": request.start.isoformat(),
        "end": request.end.isoformat(),
        "class": request.school_class,
        "group": request.group.casefold(),
        "reason": request.reason,
        "bookings": sorted([b.pk, b.status, str(b.unit_price)] for b in bookings),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _preview(request: ClosureRequest) -> ClosurePreview:
    bookings = _affected(request)
    paid = [b for b in bookings if b.status == BookingStatus.CONFIRMED]
    by_account = defaultdict(list)
    for booking in paid:
        by_account[booking.account].append(booking)
    return ClosurePreview(
        request=request,
        cancelled=paid,
        pending_payment=[b for b in bookings if b.status == BookingStatus.PENDING_PAYMENT],
        token=_token(request, bookings),
        families=sorted(
            (FamilyRefund(account, rows) for account, rows in by_account.items()),
            key=lambda family: (family.account.last_name.casefold(), family.account.pk),
        ),
    )


def preview_closure(request: ClosureRequest) -> ClosurePreview:
    """What closing would cancel and refund now; ValidationError when it cannot be closed."""
    _check(request, _calendar_of(request))
    return _preview(request)


def close(request: ClosureRequest, *, by, token: str | None, now=None) -> ClosedDay:
    """Close as previewed, all or nothing. `token` is the preview's (None: close without a
    preview, as close_day does); PreviewChanged when the bookings differ from it,
    ValidationError when the closure cannot be made."""
    now = now or timezone.now()
    with transaction.atomic():
        # Checkouts of these days lock them too, before the wallet's pots as here: no meal can
        # be booked on them while they close, and other days are not held up.
        capacity.lock_meal_days(
            [(request.service.pk, day) for day in request.days()], exclusive=True
        )
        calendar = _calendar_of(request)
        _check(request, calendar)
        preview = _preview(request)
        if token is not None and token != preview.token:
            raise PreviewChanged(preview)
        closure = Closure.objects.create(
            calendar=calendar,
            date=request.start,
            end_date=request.end,
            school_class=request.school_class,
            group=request.group,
            reason=request.reason,
            created_by=by,
        )
        cancelled = (
            cancel_bookings(
                preview.cancelled,
                by=by,
                role=ActorRole.AGENT,
                now=now,
                reason=_("Fermeture exceptionnelle : %(reason)s") % {"reason": request.reason},
                enforce_deadline=False,
            )
            if preview.cancelled
            else []
        )
        _email_families(request.service, closure, cancelled)
    return ClosedDay(closure=closure, cancelled=cancelled, pending_payment=preview.pending_payment)


def close_day(service, day: date, reason: str, by, *, now=None) -> ClosedDay:
    """Close the whole of `service` on `day`, without a preview (tests, scripts)."""
    return close(ClosureRequest(service, day, day, reason), by=by, token=None, now=now)


def reopen_day(closure) -> None:
    """Delete a closure: the days open again for bookings; the cancelled ones stay cancelled."""
    closure.delete()


def _email_families(service, closure, cancelled) -> None:
    """One e-mail per family listing its cancelled meals and the refund (sent by the Celery task
    backend after this transaction commits)."""
    bookings = (
        Booking.objects.filter(pk__in=[b.pk for b in cancelled])
        .select_related("account", "beneficiary")
        .order_by("date", "beneficiary__first_name", "pk")
    )
    by_account = defaultdict(list)
    for booking in bookings:
        by_account[booking.account].append(booking)
    request = ClosureRequest(
        service, closure.date, closure.end_date, closure.reason, closure.school_class, closure.group
    )
    for account, family_bookings in by_account.items():
        context = {
            "account": account,
            "service": service,
            "closure": closure,
            "dates": request.dates_label(),
            "scope": "" if request.whole_service else request.scope_label(),
            "bookings": family_bookings,
            "total": sum(b.unit_price for b in family_bookings),
        }
        send_mail(
            subject=_("Fermeture exceptionnelle : %(service)s %(dates)s")
            % {"service": service.title, "dates": request.dates_label()},
            message=render_to_string("reservations/email/closure.txt", context),
            from_email=None,
            recipient_list=[account.email],
        )
