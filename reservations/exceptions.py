from django.core.exceptions import PermissionDenied


class ReservationsError(Exception):
    """Base class of the errors raised by the reservations services."""


class NotAnAgentOfThisCommune(ReservationsError, PermissionDenied):
    pass


class BookingRefused(ReservationsError):
    """Placing the order would book meals that can no longer be booked (deadline passed, day
    closed, already booked, no seat left). `errors` holds one French message per meal; raised
    inside the checkout transaction, it aborts the whole order."""

    def __init__(self, errors: list[dict], detail: str | None = None):
        self.errors = list(errors)
        self.detail = detail or " ".join(error["message"] for error in self.errors)
        super().__init__(self.detail)


class CancellationRefused(ReservationsError):
    """A booking cannot be cancelled (deadline passed, not paid yet, already cancelled);
    `errors` holds one French message per booking, and nothing was changed."""

    def __init__(self, errors: list[dict]):
        self.errors = list(errors)
        self.detail = " ".join(error["message"] for error in self.errors)
        super().__init__(self.detail)
