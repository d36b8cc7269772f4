"""Exceptional closures decided by a commune (strike, school trip): closing a day cancels its
paid bookings, refunds each price to the service's pot and tells each family once by e-mail."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import ActorRole

from . import capacity
from .bookings import cancel_bookings
from .models import Booking, BookingStatus, Closure, ServiceCalendar


@dataclass(frozen=True)
class ClosedDay:
    closure: Closure
    cancelled: list[Booking]
    # Bookings still awaiting their card payment: nothing was paid, so nothing can be refunded
    # yet; they are cancelled automatically when unpaid, or by an agent once paid.
    pending_payment: list[Booking]


def close_day(service, day: date, reason: str, by, *, now=None) -> ClosedDay:
    """Close `service` on `day`, all or nothing: ValidationError when it has no calendar or is
    already closed that day."""
    now = now or timezone.now()
    with transaction.atomic():
        # Checkouts of this day lock it too, before the wallet's pots as here: no meal can be
        # booked on the day while it closes, and other days are not held up.
        capacity.lock_meal_days([(service.pk, day)], exclusive=True)
        calendar = ServiceCalendar.objects.filter(service=service).first()
        if calendar is None:
            raise ValidationError(
                {"service": _("Ce service n'a pas de calendrier : définissez-le d'abord.")}
            )
        if Closure.objects.filter(calendar=calendar, date=day).exists():
            raise ValidationError(
                {
                    "date": _(
                        "Ce service est déjà fermé le %(date)s : supprimez cette fermeture pour "
                        "en saisir une autre."
                    )
                    % {"date": f"{day:%d/%m/%Y}"}
                }
            )
        closure = Closure.objects.create(calendar=calendar, date=day, reason=reason, created_by=by)
        day_bookings = Booking.objects.filter(service=service, date=day)
        paid = list(day_bookings.filter(status=BookingStatus.CONFIRMED))
        cancelled = (
            cancel_bookings(
                paid,
                by=by,
                role=ActorRole.AGENT,
                now=now,
                reason=_("Fermeture exceptionnelle : %(reason)s") % {"reason": reason},
                enforce_deadline=False,
            )
            if paid
            else []
        )
        pending = list(
            day_bookings.filter(status=BookingStatus.PENDING_PAYMENT).select_related("beneficiary")
        )
        _email_families(service, closure, cancelled)
    return ClosedDay(closure=closure, cancelled=cancelled, pending_payment=pending)


def reopen_day(closure) -> None:
    """Delete a closure: the day opens again for bookings; the cancelled ones stay cancelled."""
    closure.delete()


def _email_families(service, closure, cancelled) -> None:
    """One e-mail per family listing its cancelled meals and the refund (sent by the Celery task
    backend after this transaction commits)."""
    bookings = Booking.objects.filter(pk__in=[b.pk for b in cancelled]).select_related(
        "account", "beneficiary"
    )
    by_account = defaultdict(list)
    for booking in bookings:
        by_account[booking.account].append(booking)
    for account, family_bookings in by_account.items():
        context = {
            "account": account,
            "service": service,
            "closure": closure,
            "bookings": family_bookings,
            "total": sum(b.unit_price for b in family_bookings),
        }
        send_mail(
            subject=_("Fermeture exceptionnelle : %(service)s le %(date)s")
            % {"service": service.title, "date": f"{closure.date:%d/%m/%Y}"},
            message=render_to_string("reservations/email/closure.txt", context),
            from_email=None,
            recipient_list=[account.email],
        )
