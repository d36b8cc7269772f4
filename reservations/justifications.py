"""Absence justifications: a parent sends a certificate for a beneficiary's booked days at a
service; an agent of its commune accepts (the days become justified absences: refunded to the
service's pot when the service is prepaid, priced 0 by the billing run when it is post-paid)
or refuses with a reason. The parent is told by e-mail either way."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from wallet import ledger

from . import capacity
from .attendance import day_lock, is_post_paid, locked_message
from .bookings import WALLET_REFUND_EVENT
from .french import elides
from .models import (
    ACTIVE_BOOKING_STATUSES,
    AbsenceJustification,
    Attendance,
    AttendanceState,
    Booking,
    JustificationStatus,
)
from .uploads import check_document

PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
PaymentEventType = get_model("order", "PaymentEventType")

# A certificate covers an illness, not a term: longer absences go through the commune.
MAX_DAYS = 31


class JustificationError(ValueError):
    """A justification refused as asked, with a French message (nothing saved)."""


def booked_days(j):
    """The active bookings of `j`'s beneficiary at its service within its dates, by date."""
    return Booking.objects.filter(
        beneficiary_id=j.beneficiary_id,
        service_id=j.service_id,
        date__range=(j.start_date, j.end_date),
        status__in=ACTIVE_BOOKING_STATUSES,
    ).order_by("date", "pk")


def submit_justification(
    *,
    account,
    beneficiary,
    service,
    start_date: date,
    end_date: date,
    upload,
    comment: str = "",
    today: date | None = None,
) -> AbsenceJustification:
    """The parent's certificate for `beneficiary`'s bookings at `service` from `start_date` to
    `end_date`: a PDF, JPEG or PNG (checked by content), for booked days up to `today` (Paris).
    The caller has checked that the beneficiary is the account's (another's is a 404)."""
    today = today or timezone.localdate()
    if end_date < start_date:
        raise JustificationError(_("La date de fin précède la date de début."))
    if end_date - start_date >= timedelta(days=MAX_DAYS):
        raise JustificationError(
            _("Un justificatif couvre au plus %(days)s jours : envoyez-en un par période.")
            % {"days": MAX_DAYS}
        )
    if end_date > today:
        # A day to come is cancelled, not justified: the kitchen counts its booking until then.
        raise JustificationError(
            _(
                "Un justificatif porte sur des jours passés, ou aujourd'hui. Pour un jour à "
                "venir, annulez la réservation dans « Mes réservations »."
            )
        )
    justification = AbsenceJustification(
        account=account,
        beneficiary=beneficiary,
        service=service,
        start_date=start_date,
        end_date=end_date,
        comment=comment[:500],
    )
    first = booked_days(justification).select_related("commune").first()
    if first is None:
        raise JustificationError(
            _("%(name)s n'a aucune réservation à ce service entre le %(start)s et le %(end)s.")
            % {
                "name": beneficiary,
                "start": f"{start_date:%d/%m/%Y}",
                "end": f"{end_date:%d/%m/%Y}",
            }
        )
    try:
        checked = check_document(upload)
    except ValidationError as error:
        raise JustificationError(" ".join(error.messages)) from error
    justification.commune = first.commune
    justification.original_name = (getattr(upload, "name", "") or "")[:255]
    justification.content_type = checked.content_type
    justification.extension = checked.extension
    justification.size = checked.size
    upload.seek(0)
    justification.file.save("upload", upload, save=False)
    try:
        justification.save()
    except Exception:
        justification.file.storage.delete(justification.file.name)
        raise
    return justification


def may_review(user, justification) -> bool:
    """An agent of the justification's commune who reviews access requests, or an admin."""
    if user.is_superuser:
        return True
    return (
        user.has_perm("reservations.review_serviceaccess")
        and justification.commune.users.filter(pk=user.pk).exists()
    )


def accept_justification(justification, *, by, now: datetime | None = None):
    """Mark the booked days of the justification absent justified (days pointed present stay
    so), refund each prepaid day's price to the service's pot (never more than its line was
    paid), and tell the parent. Refused when a day is already billed (its pointage locked)."""
    now = now or timezone.now()
    with transaction.atomic():
        justification = _locked_pending(justification, by)
        bookings = list(booked_days(justification).select_related("beneficiary", "order_line"))
        capacity.lock_meal_days(
            [(justification.service_id, b.date) for b in bookings], exclusive=True
        )
        _refuse_billed_days(justification.service_id, bookings)
        existing = {
            a.date: a
            for a in Attendance.objects.select_for_update().filter(
                beneficiary_id=justification.beneficiary_id,
                service_id=justification.service_id,
                date__range=(justification.start_date, justification.end_date),
            )
        }
        prepaid = not is_post_paid(justification.service_id)
        for booking in bookings:
            if _justify_day(booking, existing.get(booking.date), by, now) and prepaid:
                _refund_day(booking, by=by)
        _decide(justification, JustificationStatus.ACCEPTED, by=by, now=now, reason="")
    return justification


def refuse_justification(justification, *, by, reason: str, now: datetime | None = None):
    """Refuse the certificate, saying why (the parent reads the reason in the e-mail)."""
    reason = (reason or "").strip()
    if not reason:
        raise JustificationError(_("Indiquez le motif du refus : la famille le recevra."))
    with transaction.atomic():
        justification = _locked_pending(justification, by)
        _decide(
            justification,
            JustificationStatus.REFUSED,
            by=by,
            now=now or timezone.now(),
            reason=reason[:500],
        )
    return justification


def _locked_pending(justification, by) -> AbsenceJustification:
    locked = (
        AbsenceJustification.objects.select_for_update(of=("self",))
        .select_related("account", "beneficiary", "service", "commune")
        .get(pk=justification.pk)
    )
    if not may_review(by, locked):
        raise PermissionError("Not an agent of this justification's commune.")
    if locked.status != JustificationStatus.PENDING:
        raise JustificationError(_("Ce justificatif a déjà été examiné."))
    return locked


def _refuse_billed_days(service_id, bookings) -> None:
    for booking in bookings:
        locked_at = day_lock(service_id, booking.date)
        if locked_at is not None:
            raise JustificationError(locked_message(booking.date, locked_at))


def _justify_day(booking, attendance, by, now) -> bool:
    """Whether the day became a justified absence (False when already one, or pointed present:
    the child was there, the certificate does not change that)."""
    if attendance is not None and attendance.state != AttendanceState.ABSENT:
        return False
    if attendance is None:
        attendance = Attendance(
            beneficiary_id=booking.beneficiary_id, service_id=booking.service_id, date=booking.date
        )
    attendance.booking = booking
    attendance.state = AttendanceState.ABSENT_JUSTIFIED
    attendance.recorded_by = by
    attendance.recorded_at = now
    attendance.save()
    return True


def of_name(name: str) -> str:
    """ "de Léa", "d'Alice"."""
    return (_("d'%(name)s") if elides(name) else _("de %(name)s")) % {"name": name}


def _refund_reason(name: str, day) -> str:
    values = {"name": name, "date": f"{day:%d/%m/%Y}"}
    if elides(name):
        return _("Absence justifiée d'%(name)s le %(date)s") % values
    return _("Absence justifiée de %(name)s le %(date)s") % values


def _refund_day(booking, *, by) -> None:
    """The booking's price back to its service's pot, capped by what its line was paid and
    not yet refunded (a line paid nothing refunds nothing)."""
    amount = booking.unit_price
    line_id = booking.order_line_id
    if line_id is not None:
        left = ledger.paid_for_order_line(line_id) - ledger.refunded_for_order_line(line_id)
        amount = min(amount, left)
    if amount <= 0:
        return
    transfer = ledger.refund_to_service_pot(
        booking.account,
        service_id=booking.service_id,
        commune_id=booking.commune_id,
        amount=amount,
        reason=_refund_reason(booking.beneficiary.first_name, booking.date),
        reference=booking.order_number,
        idempotency_key=f"justified-absence-refund:{booking.pk}",
        actor=by,
        actor_role=ActorRole.AGENT,
        order_line_id=line_id,
    )
    line = booking.order_line
    if line is not None:
        event_type = PaymentEventType.objects.get_or_create(name=WALLET_REFUND_EVENT)[0]
        event = PaymentEvent.objects.create(
            order_id=line.order_id, event_type=event_type, amount=amount, reference=str(transfer.pk)
        )
        PaymentEventQuantity.objects.create(event=event, line=line, quantity=line.quantity)


def _decide(justification, status, *, by, now, reason) -> None:
    justification.status = status
    justification.reason = reason
    justification.reviewed_by = by
    justification.reviewed_at = now
    justification.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
    _email_parent(justification)


def _email_parent(justification) -> None:
    # send_mail goes through the Celery task backend, after this transaction commits.
    accepted = justification.status == JustificationStatus.ACCEPTED
    send_mail(
        subject=(
            _("Justificatif d'absence accepté : %(service)s")
            if accepted
            else _("Justificatif d'absence refusé : %(service)s")
        )
        % {"service": justification.service.title},
        message=render_to_string(
            "reservations/email/justification_decision.txt",
            {
                "justification": justification,
                "of_child": of_name(justification.beneficiary.first_name),
                "accepted": accepted,
                "post_paid": is_post_paid(justification.service_id),
            },
        ),
        from_email=None,
        recipient_list=[justification.account.email],
    )
