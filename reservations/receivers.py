"""Receivers of Oscar's order signals, connected by ReservationsConfig.ready()."""

from django.utils import timezone

from accounts.roles import ActorRole

from . import bookings


def book_placed_order(sender, order, actor=None, actor_role=None, **kwargs):
    """`order_placed`, inside the checkout transaction: one booking per meal line, booked by
    `actor` in `actor_role` (by default the order's user, as a parent), or BookingRefused,
    which aborts the checkout."""
    bookings.book_order(
        order, now=timezone.now(), actor=actor, actor_role=actor_role or ActorRole.PARENT
    )


def follow_order_status(sender, order, old_status, new_status, **kwargs):
    """`order_status_changed`: "Payée" confirms the order's bookings, "Annulée" releases them."""
    if new_status == bookings.ORDER_PAID:
        bookings.confirm_order_bookings(order, now=timezone.now())
    elif new_status == bookings.ORDER_CANCELLED:
        bookings.cancel_order_bookings(order, now=timezone.now())
