"""Receivers of Oscar's order signals, connected by ReservationsConfig.ready()."""

from django.utils import timezone

from . import bookings


def book_placed_order(sender, order, **kwargs):
    """`order_placed`, inside the checkout transaction: one booking per meal line, or
    BookingRefused, which aborts the checkout."""
    bookings.book_order(order, now=timezone.now())


def follow_order_status(sender, order, old_status, new_status, **kwargs):
    """`order_status_changed`: "Payée" confirms the order's bookings, "Annulée" releases them."""
    if new_status == bookings.ORDER_PAID:
        bookings.confirm_order_bookings(order, now=timezone.now())
    elif new_status == bookings.ORDER_CANCELLED:
        bookings.cancel_order_bookings(order, now=timezone.now())
