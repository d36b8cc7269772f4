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


class PlanningError(ReservationsError):
    """A request of the booking screens (calendar, basket) that cannot be served as asked."""


class UnknownBeneficiary(PlanningError):
    """A beneficiary that is not the account's: the API answers 404."""


class UnknownService(PlanningError):
    pass


class BasketNotEditable(PlanningError):
    pass


class MealsRefused(PlanningError):
    """All-or-nothing: nothing was added; `errors` lists each refused meal and why."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors
