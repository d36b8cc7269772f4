"""Celery tasks that compose and send the confirmation e-mails (reservations/confirmations.py)
once the change they confirm has committed: in a worker in production, so a checkout answers
without rendering its e-mail; inline where tasks run eagerly (`make run`, the tests).

Each takes the language of the page that caused it, since a worker has none of its own, and ids
(JSON), never model instances. Sending twice is harmless but noisy: nothing retries them."""

from decimal import Decimal

from celery import shared_task
from django.utils import translation


@shared_task
def confirm_order(language: str, order_number: str) -> bool:
    from .confirmations import send_order_confirmation

    with translation.override(language):
        return send_order_confirmation(order_number)


@shared_task
def confirm_cancellations(language: str, booking_ids: list[int], role: str) -> int:
    from .confirmations import send_cancellation_confirmations

    with translation.override(language):
        return send_cancellation_confirmations(booking_ids, role)


@shared_task
def confirm_top_up(language: str, owner_id: int, amount: str, payment_id: int) -> bool:
    from .confirmations import send_top_up_confirmation

    with translation.override(language):
        return send_top_up_confirmation(owner_id, Decimal(amount), payment_id)
