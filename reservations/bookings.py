"""Bookings: created from an order's meal lines when the order is placed, confirmed when it is
paid, cancelled before the cancellation deadline with the price refunded to the service's pot.

This is the domain side of the checkout: it reaches Oscar's models through `get_model` and is
called by the receivers of Oscar's signals (reservations/receivers.py); the checkout itself
(shop/) calls only the re-check (reservations/revalidation.py), which locks the meals' days in
the order a closure does and leaves what it read for `book_order`."""

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from accounts.roles import ActorRole
from wallet import ledger

from . import capacity, rules
from .calendars import calendar_windows, public_holidays_around
from .exceptions import BookingRefused, CancellationRefused
from .french import elides
from .meals import BENEFICIARY_OPTION, DATE_OPTION, MEAL_OPTIONS, MealLine, read_meal_line
from .models import ACTIVE_BOOKING_STATUSES, Beneficiary, Booking, BookingStatus, ServiceCalendar
from .selectors import bookings_by_day

Line = get_model("order", "Line")
Order = get_model("order", "Order")
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


def book_order(order, *, now: datetime, actor=None, actor_role=ActorRole.PARENT) -> list[Booking]:
    """Create the bookings of an order being placed, inside the checkout transaction; `actor`
    (the order's user by default) booked them in `actor_role`.

    The days of the order's meals are locked (reservations/capacity.py), then every meal is
    checked again at commit time by the bookability rule: open day, booking deadline, not
    already booked, a seat left. Any failure raises BookingRefused, which aborts the whole
    checkout."""
    meals = meal_lines(order)
    if not meals:
        return []
    days = _locked_days_of(order, meals)
    refused, accepted = [], []
    for meal in meals:
        beneficiary = days.beneficiaries.get(meal.beneficiary_id)
        reason = days.refusal(meal, beneficiary, now)
        if reason:
            refused.append((meal, beneficiary, reason))
            continue
        days.booked[meal.service_id, meal.date].add(meal.beneficiary_id)
        days.taken[meal.service_id, meal.date] += 1
        accepted.append(meal)
    if refused:
        _refuse(refused)
    paid = order.status == ORDER_PAID
    actor_id = order.user_id if actor is None else actor.pk
    bookings = [
        Booking(
            account_id=order.user_id,
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
            booked_by_id=actor_id,
            booked_by_role=actor_role,
        )
        for meal in accepted
    ]
    return _create(bookings)


def _locked_days_of(order, meals) -> "LockedDays":
    """The days of the order's meals, locked, and what checking them needs. The checkout's
    re-check (reservations/revalidation.py) has locked and read them already, in this same
    transaction, and left them on the basket: reused when they cover every meal of the order
    (its lines are the basket's, copied), else locked and read here."""
    basket = order.basket if Order.basket.is_cached(order) else None
    days = getattr(basket, "locked_days", None)
    if days is not None and days.covers(order.user_id, meals):
        return days
    return LockedDays.lock_and_load(order.user_id, meals)


@dataclass
class LockedDays:
    """What checking meals needs, read once their days are locked (reservations/capacity.py):
    the services' calendar windows, the beneficiaries, the family's bookings and the seats
    taken. Valid until the transaction that locked the days ends."""

    account_id: int
    pairs: frozenset  # the (service id, date) pairs locked
    windows: dict
    beneficiaries: dict
    booked: dict
    taken: Counter

    @classmethod
    def lock_and_load(cls, account_id, meals, *, beneficiaries=None) -> "LockedDays":
        """Lock the days of `meals`, then read what checking them needs (the beneficiaries
        given, as the re-check has read them, or those of the meals)."""
        pairs = frozenset(
            (meal.service_id, meal.date) for meal in meals if meal.service_id and meal.date
        )
        if not pairs:
            return cls(account_id, pairs, {}, beneficiaries or {}, defaultdict(set), Counter())
        capacity.lock_meal_days(pairs)
        service_ids = sorted({service_id for service_id, _day in pairs})
        days = {day for _service_id, day in pairs}
        windows = calendar_windows(service_ids, min(days), max(days))
        capped = [s for s, window in windows.items() if window.daily_capacity is not None]
        booked, taken = bookings_by_day(account_id, service_ids, days, capped_service_ids=capped)
        if beneficiaries is None:
            beneficiaries = Beneficiary.objects.in_bulk(
                {meal.beneficiary_id for meal in meals if meal.beneficiary_id}
            )
        return cls(account_id, pairs, windows, beneficiaries, booked, taken)

    def covers(self, account_id, meals) -> bool:
        """Whether these are the days of `meals`, locked for `account_id`'s family."""
        return account_id == self.account_id and all(
            (meal.service_id, meal.date) in self.pairs for meal in meals
        )

    def refusal(self, meal, beneficiary, now) -> str:
        """Why this meal cannot be booked now, in French, or "" when it can."""
        if meal.date is None or beneficiary is None:
            return _("Ce repas n'est pas valide.")
        if beneficiary.account_id != self.account_id or beneficiary.archived_at is not None:
            return _("Ce bénéficiaire n'est plus rattaché à votre compte.")
        window = self.windows.get(meal.service_id)
        key = (meal.service_id, meal.date)
        # A service without a calendar sets no day, deadline nor capacity of its own.
        refusal = rules.meal_refusal(
            rules.MealDay(
                # The day as this child sees it: a closure of their class or group shuts it.
                state=window.day_state_for(meal.date, beneficiary)
                if window
                else rules.DayState(True),
                booking_deadline=window.booking_deadline(meal.date) if window else None,
                capacity=window.daily_capacity if window else None,
                seats_taken=self.taken[key],
                booked=meal.beneficiary_id in self.booked[key],
            ),
            now,
        )
        return refusal.reason if refusal else ""


def _refuse(refused) -> None:
    # The services' titles name them in the errors only: read them on refusal.
    service_ids = {meal.service_id for meal, _beneficiary, _reason in refused}
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


def _create(bookings: list[Booking]) -> list[Booking]:
    try:
        # No savepoint: a refusal aborts the whole checkout transaction anyway (the caller
        # answers it after rolling back), so there is nothing to roll back to.
        with transaction.atomic(savepoint=False):
            return Booking.objects.bulk_create(bookings)
    except IntegrityError as error:
        # Booked at the same moment by a path that does not lock the day.
        if "one_active_booking_per_beneficiary_service_day" not in str(error):
            raise
        raise BookingRefused(
            [],
            _(
                "Un de ces repas vient d'être réservé par ailleurs : rechargez votre panier, "
                "puis payez à nouveau. Rien n'a été débité."
            ),
        ) from error


def _error(meal, beneficiary, service_title, reason) -> dict:
    who = beneficiary.first_name if beneficiary is not None else _("Bénéficiaire inconnu")
    when = f"{meal.date:%d/%m/%Y}" if meal.date else "?"
    return {
        "line": meal.line_id,
        "beneficiary": meal.beneficiary_id,
        "service": meal.service_id,
        "date": meal.date.isoformat() if meal.date else None,
        "message": _("%(who)s, %(service)s, le %(date)s : %(reason)s Retirez ce repas du panier.")
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


def confirm_line_bookings(line_ids, *, now: datetime) -> int:
    """One régie's share of an order is paid (shop/payment/settlement.py): the bookings of its
    lines are confirmed, whatever becomes of the order's other shares."""
    return Booking.objects.filter(
        order_line_id__in=list(line_ids), status=BookingStatus.PENDING_PAYMENT
    ).update(status=BookingStatus.CONFIRMED, confirmed_at=now)


def cancel_line_bookings(line_ids, *, now: datetime, reason: str) -> int:
    """One régie's share of an order was never paid: the bookings of its lines are released.
    No refund here: the payment side has already returned that share's wallet part."""
    return Booking.objects.filter(
        order_line_id__in=list(line_ids), status=BookingStatus.PENDING_PAYMENT
    ).update(
        status=BookingStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by_role=ActorRole.SYSTEM,
        cancellation_reason=reason,
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
        from .signals import bookings_cancelled  # the confirmation e-mail, after commit

        bookings_cancelled.send(Booking, bookings=locked, by=by, role=role, reason=reason)
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


def _refund_reason(name: str, day) -> str:
    """ "Annulation du repas de Léa", "… d'Alice" (reservations/french.py)."""
    values = {"name": name, "date": f"{day:%d/%m/%Y}"}
    if elides(name):
        return _("Annulation du repas d'%(name)s du %(date)s") % values
    return _("Annulation du repas de %(name)s du %(date)s") % values


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
        reason=_refund_reason(booking.beneficiary.first_name, booking.date),
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
