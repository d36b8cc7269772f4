from django.core.exceptions import PermissionDenied


class ReservationsError(Exception):
    """Base class of the errors raised by the reservations services."""


class NotAnAgentOfThisCommune(ReservationsError, PermissionDenied):
    pass
