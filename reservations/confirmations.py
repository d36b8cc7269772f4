"""The confirmation e-mails: an order paid, bookings cancelled, a top-up credited.

Each receiver runs inside the transaction that made the change and only schedules the e-mail
for after its commit (`on_commit`, robust: a failing e-mail never undoes a payment): a checkout
or a cancellation that rolls back sends nothing. The e-mail is composed by a Celery task
(reservations/confirmation_tasks.py), off the request. Connected by ReservationsConfig.ready()."""

import logging
from collections import defaultdict
from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from accounts import notifications
from accounts.models import NotificationKind, User
from accounts.roles import ActorRole
from wallet import ledger
from wallet.models import RegieShare, ShareStatus
from wallet.numbering import number_paid_shares
from wallet.selectors import statement_of

from . import confirmation_tasks
from .bookings import ORDER_PAID
from .models import Booking, Closure

logger = logging.getLogger(__name__)
Order = get_model("order", "Order")
TEMPLATES = "reservations/email/confirmations/"


def connect() -> None:
    from oscar.apps.order.signals import order_placed, order_status_changed

    from wallet.signals import top_up_credited

    from .signals import bookings_cancelled

    order_placed.connect(order_placed_paid, dispatch_uid="reservations.confirm_placed_order")
    order_status_changed.connect(order_became_paid, dispatch_uid="reservations.confirm_paid")
    bookings_cancelled.connect(confirm_cancellation, dispatch_uid="reservations.confirm_cancel")
    top_up_credited.connect(confirm_top_up, dispatch_uid="reservations.confirm_top_up")


def _after_commit(task, *args) -> None:
    """Queue `task` once the transaction commits, in the language of the page that acted."""
    language = translation.get_language() or "fr"
    transaction.on_commit(partial(task.delay, language, *args), robust=True)


# --- Order paid -------------------------------------------------------------------------------


def order_placed_paid(sender, order, **kwargs):
    """Paid at once (wallet, or nothing left to pay): placed "Payée"."""
    if order.status == ORDER_PAID:
        _after_commit(confirmation_tasks.confirm_order, order.number)


def order_became_paid(sender, order, old_status, new_status, **kwargs):
    """Paid later (the card's return or webhook)."""
    if new_status == ORDER_PAID and old_status != ORDER_PAID:
        _after_commit(confirmation_tasks.confirm_order, order.number)


def send_order_confirmation(order_number: str) -> bool:
    """The order's meals and, per régie, the paid share with its receipt number and link."""
    number_paid_shares(order_number)  # numbered after commit too: make sure, idempotently
    order = Order.objects.select_related("user").filter(number=order_number).first()
    if order is None or order.user is None:
        return False
    shares = [
        {
            "share": share,
            "url": notifications.absolute_url(reverse("portail:receipt", args=[share.pk])),
        }
        for share in RegieShare.objects.filter(order_number=order_number, status=ShareStatus.PAID)
        .select_related("regie")
        .order_by("regie__name", "pk")
    ]
    bookings = (
        Booking.objects.filter(order_number=order_number)
        .select_related("beneficiary", "service")
        .order_by("date", "beneficiary__first_name", "pk")
    )
    return notifications.notify(
        order.user,
        NotificationKind.ORDER_CONFIRMATION,
        subject=_("Commande %(number)s payée") % {"number": order.number},
        template=TEMPLATES + "order_paid.txt",
        context={
            "order": order,
            "shares": shares,
            "bookings": list(bookings),
            "orders_url": notifications.absolute_url(reverse("portail:orders")),
        },
    )


# --- Cancellations ----------------------------------------------------------------------------


def confirm_cancellation(sender, bookings, by, role, reason="", **kwargs):
    _after_commit(confirmation_tasks.confirm_cancellations, [b.pk for b in bookings], str(role))


def send_cancellation_confirmations(booking_ids: list[int], role: str) -> int:
    """One e-mail per family: who cancelled, why, and what went back to which pot. A day the
    service closed is left out: the closure's own e-mail told the family
    (reservations/closures.py). A cancellation the parent did not make is always told."""
    cancelled = list(
        Booking.objects.filter(pk__in=booking_ids)
        .select_related("account", "beneficiary", "service", "cancelled_by")
        .order_by("account_id", "date", "pk")
    )
    if not cancelled:
        return 0
    closed = _closures_covering(cancelled)
    by_account = defaultdict(list)
    for booking in cancelled:
        if any(_covers(closure, booking) for closure in closed[booking.service_id]):
            continue
        booking.refunded = (
            ledger.refunded_for_order_line(booking.order_line_id) if booking.order_line_id else 0
        )
        by_account[booking.account_id].append(booking)
    sent = 0
    for family in by_account.values():
        account = family[0].account
        first = family[0]
        by_parent = role == ActorRole.PARENT and first.cancelled_by_id == account.pk
        sent += notifications.notify(
            account,
            NotificationKind.CANCELLATION_CONFIRMATION,
            subject=_("Réservation annulée")
            if len(family) == 1
            else _("%(count)d réservations annulées") % {"count": len(family)},
            template=TEMPLATES + "cancelled.txt",
            context={
                "bookings": family,
                "by_parent": by_parent,
                "by_name": str(first.cancelled_by) if first.cancelled_by else "",
                "reason": first.cancellation_reason,
                "total": sum((b.refunded for b in family), 0),
            },
            mandatory=not by_parent,
        )
    return sent


def _closures_covering(bookings) -> dict[int, list[Closure]]:
    """Service id → the closures of its calendar over the bookings' dates, in one query."""
    found = defaultdict(list)
    for closure in Closure.objects.filter(
        calendar__service_id__in={b.service_id for b in bookings},
        date__lte=max(b.date for b in bookings),
        end_date__gte=min(b.date for b in bookings),
    ).select_related("calendar"):
        found[closure.calendar.service_id].append(closure)
    return found


def _covers(closure, booking) -> bool:
    """Whether this closure is what cancelled the booking: its dates, its class and group."""
    beneficiary = booking.beneficiary
    return (
        closure.date <= booking.date <= closure.end_date
        and closure.school_class in ("", beneficiary.school_class)
        and closure.group in ("", beneficiary.group)
    )


# --- Top-ups ----------------------------------------------------------------------------------


def confirm_top_up(sender, payment, **kwargs):
    _after_commit(
        confirmation_tasks.confirm_top_up, payment.owner_id, str(payment.amount), payment.pk
    )


def send_top_up_confirmation(owner_id: int, amount, payment_id: int) -> bool:
    owner = User.objects.filter(pk=owner_id).first()
    if owner is None:
        return False
    balance = statement_of(owner).total
    return notifications.notify(
        owner,
        NotificationKind.TOP_UP_CONFIRMATION,
        subject=_("Porte-monnaie rechargé"),
        template=TEMPLATES + "top_up.txt",
        context={
            "amount": amount,
            "payment_id": payment_id,
            "balance": balance,
            "wallet_url": notifications.absolute_url(reverse("portail:wallet")),
        },
    )
