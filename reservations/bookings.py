"""Bookings: created from an order's meal lines when the order is placed, confirmed when it is
paid, cancelled before the cancellation deadline with the price refunded to the service's pot.

This is the domain side of the checkout: it reaches Oscar's models through `get_model` and is
called by the receivers of Oscar's signals (reservations/receivers.py); the checkout itself
(shop/) calls only `lock_calendars`, to take its row locks in the same order as a closure."""

from collections import Counter
from dataclasses import replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from wallet import ledger

from . import rules
from .calendars import public_holidays_around, windows_of
from .exceptions import BookingRefused, CancellationRefused
from .meals import BENEFICIARY_OPTION, DATE_OPTION, MEAL_OPTIONS, MealLine, read_meal_line
from .models import ACTIVE_BOOKING_STATUSES, Beneficiary, Booking, BookingStatus, ServiceCalendar

Line = get_model("order", "Line")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
PaymentEventType = get_model("order", "PaymentEventType")
Product = get_model("catalogue", "Product")

# Oscar stores statuses and payment event types by name: these are the names of
# OSCAR_ORDER_STATUS_PIPELINE and of shop/payment/constants.py, which the domain cannot import.
ORDER_PAID = "Payée"
ORDER_CANCELLED = "Annulée"
LINE_CANCELLED = "Annulée"
WALLET_REFUND_EVENT = "Remboursement porte-monnaie"


def meal_lines(order) -> list[MealLine]:
    """The order's lines that carry a beneficiary and a date, in two queries, or none when the
    order's lines, their products and attributes are loaded already (`prefetch_related`, or the
    checkout's order creator, which leaves the lines it has just written on the order)."""
    lines = _loaded_lines(order)
    if lines is None:
        lines = order.lines.select_related("product").prefetch_related("attributes")
    meals = []
    for line in sorted(lines, key=lambda line: line.pk):
        values = {a.type: a.value for a in line.attributes.all() if a.type in MEAL_OPTIONS}
        if BENEFICIARY_OPTION in values and DATE_OPTION in values:
            meals.append(_meal_of_order_line(line, values))
    return meals


def _loaded_lines(order) -> list | None:
    """The order's lines when they are in memory with their products and attributes, else
    None (they are read then: a partial prefetch would cost a query per line)."""
    loaded = getattr(order, "_prefetched_objects_cache", {}).get("lines")
    if loaded is None:
        return None
    lines = list(loaded)
    for line in lines:
        if "attributes" not in getattr(line, "_prefetched_objects_cache", {}):
            return None
        if line.product_id is not None and not Line.product.is_cached(line):
            return None
    return lines


def _meal_of_order_line(line, values: dict) -> MealLine:
    """The meal of an order line; without a readable frozen price, the line's own unit price."""
    product = line.product
    meal = read_meal_line(
        line.pk,
        product.parent_id or product.pk,
        values,
        tariff_option_id=product.pk,
        commune_id=line.partner_id,
    )
    frozen = meal.unit_price
    unit_price = line.unit_price_incl_tax if frozen is None else frozen.quantize(rules.CENT)
    return replace(meal, unit_price=unit_price)


# --- Checkout --------------------------------------------------------------------------------


def book_order(order, *, now: datetime) -> list[Booking]:
    """Create the bookings of an order being placed, inside the checkout transaction.

    Each service's calendar row (or its product row, without a calendar) is locked in id order,
    then every meal is checked again at commit time: open day, booking deadline, not already
    booked, a seat left. Any failure raises BookingRefused, which aborts the whole checkout."""
    meals = meal_lines(order)
    if not meals:
        return []
    service_ids = sorted({meal.service_id for meal in meals})
    calendars = _lock_services(service_ids)
    days = [meal.date for meal in meals if meal.date]
    windows = windows_of(calendars, min(days), max(days)) if days else {}
    beneficiaries = Beneficiary.objects.in_bulk(
        {meal.beneficiary_id for meal in meals if meal.beneficiary_id}
    )
    dates = {meal.date for meal in meals if meal.date}
    booked = set(
        Booking.objects.filter(
            status__in=ACTIVE_BOOKING_STATUSES,
            service_id__in=service_ids,
            beneficiary_id__in=list(beneficiaries),
            date__in=dates,
        ).values_list("beneficiary_id", "service_id", "date")
    )
    capped = [sid for sid, calendar in calendars.items() if calendar.daily_capacity]
    taken = Counter(
        {
            (service_id, day): count
            for service_id, day, count in Booking.objects.filter(
                status__in=ACTIVE_BOOKING_STATUSES, service_id__in=capped, date__in=dates
            )
            .values_list("service_id", "date")
            .annotate(count=Count("pk"))
            .values_list("service_id", "date", "count")
        }
    )

    refused, accepted = [], []
    for meal in meals:
        beneficiary = beneficiaries.get(meal.beneficiary_id)
        reason = _refusal(meal, beneficiary, order, calendars, windows, booked, taken, now)
        if reason:
            refused.append((meal, beneficiary, reason))
            continue
        booked.add((meal.beneficiary_id, meal.service_id, meal.date))
        taken[meal.service_id, meal.date] += 1
        accepted.append((meal, beneficiary))
    if refused:
        # The services' titles name them in the errors only: read them on refusal.
        titles = dict(Product.objects.filter(pk__in=service_ids).values_list("pk", "title"))
        errors = [
            _error(meal, beneficiary, titles.get(meal.service_id, ""), reason)
            for meal, beneficiary, reason in refused
        ]
        raise BookingRefused(
            errors,
            _(
                "Certains repas ne peuvent plus être réservés : retirez-les de votre panier, "
                "puis payez à nouveau. Rien n'a été débité."
            ),
        )

    paid = order.status == ORDER_PAID
    bookings = [
        Booking(
            account_id=beneficiary.account_id,
            beneficiary_id=meal.beneficiary_id,
            service_id=meal.service_id,
            tariff_option_id=meal.tariff_option_id,
            commune_id=meal.commune_id,
            date=meal.date,
            status=BookingStatus.CONFIRMED if paid else BookingStatus.PENDING_PAYMENT,
            confirmed_at=now if paid else None,
            unit_price=meal.unit_price,
            price_explanation=meal.price_explanation,
            order_number=order.number,
            order_line_id=meal.line_id,
            booked_by_id=order.user_id,
            booked_by_role=ActorRole.PARENT,
        )
        for meal, beneficiary in accepted
    ]
    try:
        # No savepoint: a refusal aborts the whole checkout transaction anyway (the caller
        # answers it after rolling back), so there is nothing to roll back to.
        with transaction.atomic(savepoint=False):
            return Booking.objects.bulk_create(bookings)
    except IntegrityError as error:
        # Booked at the same moment by a path that does not lock the calendar.
        if "one_active_booking_per_beneficiary_service_day" not in str(error):
            raise
        raise BookingRefused(
            [],
            _(
                "Un de ces repas vient d'être réservé par ailleurs : rechargez votre panier, "
                "puis payez à nouveau. Rien n'a été débité."
            ),
        ) from error


def lock_calendars(service_ids) -> None:
    """Lock these services' calendar rows, as `book_order` will, before the checkout debits the
    wallet. A closure locks the calendar, then the family's pots as it refunds; a checkout that
    locked the pots first would wait for the calendar while the closure waits for the pots, and
    PostgreSQL would kill one of them. One order for both: the calendar, then the pots."""
    # The same rows as `book_order`, which reads them (and their opening periods) again.
    _lock_services(sorted(set(service_ids)), read=False)


def _lock_services(service_ids: list[int], *, read=True) -> dict[int, ServiceCalendar]:
    """Lock each service's calendar row, then the product row of services without a calendar,
    each in id order: concurrent checkouts then queue in the same order and cannot deadlock.
    Returns the calendars with their opening periods (with `read`; else only their ids)."""
    locked = ServiceCalendar.objects.select_for_update().filter(service_id__in=service_ids)
    if read:
        calendars = {
            calendar.service_id: calendar
            for calendar in locked.prefetch_related("opening_periods").order_by("pk")
        }
    else:
        calendars = dict(locked.order_by("pk").values_list("service_id", "pk"))
    without = [service_id for service_id in service_ids if service_id not in calendars]
    if without:
        list(
            Product.objects.select_for_update()
            .filter(pk__in=without)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return calendars


def _refusal(meal, beneficiary, order, calendars, windows, booked, taken, now) -> str:
    """Why this meal cannot be booked now, in French, or "" when it can."""
    if meal.date is None or beneficiary is None:
        return _("ce repas n'est pas valide. Retirez-le de votre panier.")
    if beneficiary.account_id != order.user_id or beneficiary.archived_at is not None:
        return _(
            "ce bénéficiaire n'est plus rattaché à votre compte. Retirez ce repas de votre panier."
        )
    calendar = calendars.get(meal.service_id)
    if calendar is not None:
        window = windows[meal.service_id]
        state = window.day_state(meal.date)
        if not state.open:
            return _(
                "le service est fermé ce jour-là (%(reason)s). Retirez ce repas de votre panier."
            ) % {"reason": state.reason}
        if not rules.is_before_deadline(
            calendar.booking_rule, meal.date, now, window.public_holidays
        ):
            deadline = window.booking_deadline(meal.date)
            return _(
                "la date limite de réservation était %(deadline)s. Retirez ce repas de votre "
                "panier."
            ) % {"deadline": rules.format_deadline(deadline)}
    if (meal.beneficiary_id, meal.service_id, meal.date) in booked:
        return _("ce repas est déjà réservé. Retirez-le de votre panier.")
    capacity = calendar.daily_capacity if calendar is not None else None
    if capacity and taken[meal.service_id, meal.date] >= capacity:
        return _(
            "il ne reste plus de place ce jour-là : la dernière vient d'être réservée. Retirez "
            "ce repas de votre panier."
        )
    return ""


def _error(meal, beneficiary, service_title, reason) -> dict:
    who = beneficiary.first_name if beneficiary is not None else _("Bénéficiaire inconnu")
    when = f"{meal.date:%d/%m/%Y}" if meal.date else "?"
    return {
        "line": meal.line_id,
        "beneficiary": meal.beneficiary_id,
        "service": meal.service_id,
        "date": meal.date.isoformat() if meal.date else None,
        "message": _("%(who)s, %(service)s, le %(date)s : %(reason)s")
        % {"who": who, "service": service_title, "date": when, "reason": reason},
    }


def confirm_order_bookings(order, *, now: datetime) -> int:
    """The order is paid: its bookings are confirmed."""
    return Booking.objects.filter(
        order_number=order.number, status=BookingStatus.PENDING_PAYMENT
    ).update(status=BookingStatus.CONFIRMED, confirmed_at=now)


def cancel_order_bookings(order, *, now: datetime) -> int:
    """The order is cancelled (its card payment failed or expired): its bookings are released.
    No refund here: the payment side has already returned the wallet's part."""
    return Booking.objects.filter(
        order_number=order.number, status__in=ACTIVE_BOOKING_STATUSES
    ).update(
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by_role=ActorRole.SYSTEM,
        cancellation_reason=_("Commande %(number)s annulée : paiement non abouti")
        % {"number": order.number},
    )


# --- Deadlines and cancellation --------------------------------------------------------------


def cancellation_deadlines(bookings) -> dict[int, datetime | None]:
    """Each booking's cancellation deadline (None: its service has no calendar), in one query
    whatever the number of bookings."""
    bookings = list(bookings)
    if not bookings:
        return {}
    calendars = {
        calendar.service_id: calendar
        for calendar in ServiceCalendar.objects.filter(
            service_id__in={booking.service_id for booking in bookings}
        )
    }
    days = [booking.date for booking in bookings]
    holidays = public_holidays_around(min(days), max(days))
    deadlines = {}
    for booking in bookings:
        calendar = calendars.get(booking.service_id)
        deadlines[booking.pk] = (
            None
            if calendar is None
            else rules.deadline_for(calendar.cancellation_rule, booking.date, holidays)
        )
    return deadlines


def can_cancel(booking, deadline: datetime | None, now: datetime) -> bool:
    """Whether the parent may still cancel this booking."""
    return booking.status == BookingStatus.CONFIRMED and (deadline is None or now < deadline)


def cancel_booking(
    booking, *, by, role, now: datetime, reason: str = "", enforce_deadline: bool = True
) -> Booking:
    """Cancel one booking and refund its price to the pot of its service (see cancel_bookings)."""
    return cancel_bookings(
        [booking], by=by, role=role, now=now, reason=reason, enforce_deadline=enforce_deadline
    )[0]


def cancel_bookings(
    bookings, *, by, role, now: datetime, reason: str = "", enforce_deadline: bool = True
) -> list[Booking]:
    """Cancel paid bookings, all or none: each is marked cancelled (when, by whom, in which
    role), its order line gets the status "Annulée" with a "Remboursement porte-monnaie" payment
    event, and its price goes back to the wallet pot of its service, whatever paid for it.

    Refused with CancellationRefused, nothing changed, when one is not paid yet, already
    cancelled, or (with `enforce_deadline`, as for parents) past its cancellation deadline.
    Agents and closures pass `enforce_deadline=False`."""
    ids = sorted({booking.pk for booking in bookings})
    with transaction.atomic():
        locked = list(
            Booking.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("beneficiary", "order_line")
            .order_by("pk")
        )
        deadlines = cancellation_deadlines(locked)
        errors = []
        for booking in locked:
            message = _cancellation_refusal(booking, deadlines[booking.pk], now, enforce_deadline)
            if message:
                errors.append({"booking": booking.pk, "message": message})
        if errors:
            raise CancellationRefused(errors)

        Booking.objects.filter(pk__in=ids).update(
            status=BookingStatus.CANCELLED,
            cancelled_at=now,
            cancelled_by=by,
            cancelled_by_role=role,
            cancellation_reason=reason,
        )
        line_ids = [booking.order_line_id for booking in locked if booking.order_line_id]
        Line.objects.filter(pk__in=line_ids).update(status=LINE_CANCELLED)
        event_type = PaymentEventType.objects.get_or_create(name=WALLET_REFUND_EVENT)[0]
        for booking in locked:
            _refund(booking, by=by, role=role, event_type=event_type)
    return list(
        Booking.objects.filter(pk__in=ids)
        .select_related("beneficiary", "service", "commune")
        .order_by("pk")
    )


def _cancellation_refusal(booking, deadline, now, enforce_deadline) -> str:
    if booking.status == BookingStatus.CANCELLED:
        return _("Cette réservation est déjà annulée.")
    if booking.status == BookingStatus.PENDING_PAYMENT:
        return _(
            "Cette réservation attend encore son paiement : elle ne peut pas être annulée. "
            "Sans paiement, elle sera annulée automatiquement."
        )
    if enforce_deadline and deadline is not None and not now < deadline:
        return _("La date limite d'annulation était %(deadline)s.") % {
            "deadline": rules.format_deadline(deadline)
        }
    return ""


def _refund(booking, *, by, role, event_type) -> None:
    """Give the booking's price back to its service's pot, never more than its order line was
    paid (a line paid 0.00 refunds nothing); the booking row is locked by the caller."""
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
        reason=_("Annulation du repas de %(name)s du %(date)s")
        % {"name": booking.beneficiary.first_name, "date": f"{booking.date:%d/%m/%Y}"},
        reference=booking.order_number,
        idempotency_key=f"booking-refund:{booking.pk}",
        actor=by,
        actor_role=role,
        order_line_id=line_id,
    )
    line = booking.order_line
    if line is None:
        return
    event = PaymentEvent.objects.create(
        order_id=line.order_id,
        event_type=event_type,
        amount=amount,
        reference=str(transfer.pk),
    )
    PaymentEventQuantity.objects.create(event=event, line=line, quantity=line.quantity)
