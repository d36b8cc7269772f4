"""Promotion of the waiting list when a seat frees: a booking cancelled (`bookings_cancelled`)
or a day's capacity raised (a ServiceCalendar saved). Here rather than in reservations because
it pays through the checkout, and reservations does not import shop; connected by
shop/config.py and run after the commit that freed the seat (a Celery task per day).

Under the day's lock (reservations/capacity.py, the lock the checkout takes), before the day's
booking deadline only, the day's entries are walked in the order they joined, one per free
seat:
- opted in to the wallet: the meal goes into a fresh basket of the family and is paid by wallet
  through the real checkout (shop.checkout), so the debit, the order, its bookings and its
  confirmation e-mail are those of any checkout;
- otherwise, or when the wallet lacks money: an offer, valid 24 hours (never past the booking
  deadline), by e-mail. The seat is not held: the day stays bookable by anyone, first come first
  served. An offer running does keep promotion from offering the same seat to the next family.

Idempotent: a second run (a retried task, two cancellations at once) reads the bookings and
offers the first made under the same lock, and finds no seat left to give."""

import logging
from datetime import date, datetime
from functools import partial

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from oscar.apps.payment.exceptions import UnableToTakePayment
from oscar.core.loading import get_model

from accounts import notifications
from accounts.roles import ActorRole
from reservations import capacity
from reservations.basket import add_meals_to_basket
from reservations.calendars import calendar_window
from reservations.exceptions import ReservationsError
from reservations.models import (
    ACTIVE_BOOKING_STATUSES,
    ACTIVE_WAITLIST_STATUSES,
    Booking,
    ServiceCalendar,
    WaitlistEntry,
    WaitlistStatus,
)
from reservations.rules import PARIS
from reservations.waitlist import offer_end
from shop.checkout import checkout
from shop.payment.constants import PaymentMethod
from shop.payment.exceptions import CheckoutRefused

logger = logging.getLogger(__name__)
Basket = get_model("basket", "Basket")

OFFER_KIND = "waitlist_offer"  # not a NotificationKind: an offer the family asked for is sent
OFFER_TEMPLATE = "reservations/email/waitlist/offer.txt"


# --- Triggers ---------------------------------------------------------------------------------


def connect() -> None:
    from django.db.models.signals import post_save

    from reservations.signals import bookings_cancelled

    bookings_cancelled.connect(seats_freed, dispatch_uid="shop.waitlist.seats_freed")
    post_save.connect(
        capacity_changed, sender=ServiceCalendar, dispatch_uid="shop.waitlist.capacity_changed"
    )


def seats_freed(sender, bookings, **kwargs):
    """`bookings_cancelled`, inside the cancelling transaction: promote each day after commit."""
    for service_id, day in sorted({(b.service_id, b.date) for b in bookings}):
        transaction.on_commit(partial(_enqueue, service_id, day), robust=True)


def capacity_changed(sender, instance, created=False, **kwargs):
    """A calendar saved (its capacity raised, perhaps): promote its days that have a list."""
    service_id = instance.service_id
    transaction.on_commit(partial(_enqueue_service, service_id), robust=True)


def _enqueue(service_id: int, day: date) -> None:
    promote_waitlist.delay(service_id, day.isoformat())


def _enqueue_service(service_id: int) -> None:
    today = timezone.now().astimezone(PARIS).date()
    days = (
        WaitlistEntry.objects.filter(
            service_id=service_id, date__gte=today, status=WaitlistStatus.WAITING
        )
        .values_list("date", flat=True)
        .distinct()
    )
    for day in sorted(days):
        _enqueue(service_id, day)


@shared_task
def promote_waitlist(service_id: int, day: str, now: str | None = None) -> int:
    """Celery: promote one day's list; returns how many entries were booked or offered."""
    moment = datetime.fromisoformat(now) if now else None
    return len(promote_day(service_id, date.fromisoformat(day), now=moment))


# --- Promotion --------------------------------------------------------------------------------


def promote_day(service_id: int, day: date, *, now: datetime | None = None) -> list:
    """Give the free seats of one (service, day) to its list, in order; returns the entries
    booked or offered by this run (none after the booking deadline, on a closed day, or when no
    seat is free)."""
    now = now or timezone.now()
    promoted = []
    with transaction.atomic():
        capacity.lock_meal_days([(service_id, day)], exclusive=True)
        try:
            window = calendar_window(service_id, day, day)
        except ServiceCalendar.DoesNotExist:
            return []
        deadline = window.booking_deadline(day)
        if now >= deadline or not window.day_state(day).open:
            return []
        entries = list(
            WaitlistEntry.objects.select_for_update(of=("self",))
            .filter(service_id=service_id, date=day, status__in=ACTIVE_WAITLIST_STATUSES)
            .select_related("account", "beneficiary", "service")
            .order_by("created_at", "pk")
        )
        if not entries:
            return []
        active = Booking.objects.filter(
            service_id=service_id, date=day, status__in=ACTIVE_BOOKING_STATUSES
        )
        booked = dict(
            active.filter(beneficiary_id__in=[e.beneficiary_id for e in entries]).values_list(
                "beneficiary_id", "order_number"
            )
        )
        entries = [e for e in entries if not _close_if_done(e, booked, now)]
        running = sum(1 for e in entries if e.status == WaitlistStatus.OFFERED)
        free = (
            len(entries)
            if window.daily_capacity is None
            else window.daily_capacity - active.count() - running
        )
        for entry in entries:
            if free <= 0:
                break
            if entry.status != WaitlistStatus.WAITING:
                continue
            if not window.day_state_for(day, entry.beneficiary).open:
                continue  # a closure of this child's class: the seat goes to the next one
            order = _book_and_pay(entry, now) if entry.auto_pay_from_wallet else None
            if order is not None:
                _close(entry, WaitlistStatus.BOOKED, now, order_number=order.number)
            else:
                _offer(entry, now, deadline)
            promoted.append(entry)
            free -= 1
    return promoted


def _close_if_done(entry, booked: dict, now) -> bool:
    """An entry whose child got the meal some other way is booked; an offer past its end has
    expired. Either way it no longer counts."""
    if entry.beneficiary_id in booked:
        _close(entry, WaitlistStatus.BOOKED, now, order_number=booked[entry.beneficiary_id])
        return True
    if entry.status == WaitlistStatus.OFFERED and entry.offered_until <= now:
        _close(entry, WaitlistStatus.EXPIRED, now)
        return True
    return False


def _close(entry, status, now, *, order_number="") -> None:
    entry.status = status
    entry.closed_at = now
    entry.order_number = order_number or entry.order_number
    entry.save(update_fields=["status", "closed_at", "order_number"])


def _book_and_pay(entry, now):
    """The meal in a fresh basket of the family's ("Saved": never their own open one), paid
    by wallet through the checkout; None, with nothing written, when it cannot be (the wallet
    lacks money, the meal is refused)."""
    try:
        with transaction.atomic():
            basket = Basket.objects.create(owner=entry.account, status=Basket.SAVED)
            add_meals_to_basket(
                account=entry.account,
                service_id=entry.service_id,
                meals=[(entry.beneficiary_id, entry.date)],
                now=now,
                basket=basket,
            )
            result = checkout(
                basket.pk,
                payer=entry.account,
                payment_method=PaymentMethod.WALLET,
                actor=None,
                actor_role=ActorRole.SYSTEM,
            )
            return result.order
    except (UnableToTakePayment, CheckoutRefused, ReservationsError) as refused:
        logger.info("Waiting list entry %s not paid by wallet: %s", entry.pk, refused)
        return None


def _offer(entry, now, deadline) -> None:
    entry.status = WaitlistStatus.OFFERED
    entry.offered_at = now
    entry.offered_until = offer_end(now, deadline)
    entry.save(update_fields=["status", "offered_at", "offered_until"])
    transaction.on_commit(partial(send_offer, entry.pk), robust=True)


def send_offer(entry_id: int) -> bool:
    """The offer's e-mail, after commit: the day, until when, and the link to book it."""
    entry = (
        WaitlistEntry.objects.select_related("account", "beneficiary", "service")
        .filter(pk=entry_id, status=WaitlistStatus.OFFERED)
        .first()
    )
    if entry is None:
        return False
    query = f"?service={entry.service_id}&mois={entry.date:%Y-%m}&enfant={entry.beneficiary_id}"
    until = entry.offered_until.astimezone(PARIS)
    return notifications.notify(
        entry.account,
        OFFER_KIND,
        subject=_("Une place s'est libérée le %(day)s") % {"day": f"{entry.date:%d/%m}"},
        template=OFFER_TEMPLATE,
        context={
            "entry": entry,
            "until": date_format(until, "l d/m à H:i"),
            "book_url": notifications.absolute_url(reverse("portail:planning") + query),
        },
        mandatory=True,
    )


# --- Expiry (CELERY_BEAT_SCHEDULE) ------------------------------------------------------------


@shared_task
def expire_waitlist(now: str | None = None) -> int:
    """Close what can no longer be promoted: offers past their end (the next family in line is
    promoted in their place) and entries past their day's booking deadline; then promote each
    day still waiting, should a seat be free. Returns how many entries were closed."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    closed = 0
    pairs = (
        WaitlistEntry.objects.filter(status__in=ACTIVE_WAITLIST_STATUSES)
        .values_list("service_id", "date")
        .distinct()
    )
    for service_id, day in sorted(pairs):
        closed += _expire_day(service_id, day, moment)
    return closed


def _expire_day(service_id: int, day: date, now: datetime) -> int:
    with transaction.atomic():
        capacity.lock_meal_days([(service_id, day)], exclusive=True)
        active = WaitlistEntry.objects.filter(
            service_id=service_id, date=day, status__in=ACTIVE_WAITLIST_STATUSES
        )
        try:
            deadline = calendar_window(service_id, day, day).booking_deadline(day)
        except ServiceCalendar.DoesNotExist:
            deadline = None
        if deadline is None or now >= deadline:
            return active.update(status=WaitlistStatus.EXPIRED, closed_at=now)
        lapsed = active.filter(status=WaitlistStatus.OFFERED, offered_until__lte=now).update(
            status=WaitlistStatus.EXPIRED, closed_at=now
        )
        waiting = active.filter(status=WaitlistStatus.WAITING).exists()
    if waiting:
        # Also the safety net of seats freed without `bookings_cancelled` (a card payment that
        # never came back, a capacity changed by an update): promotion finds them here.
        promote_day(service_id, day, now=now)
    return lapsed
