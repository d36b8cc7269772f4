from django.core.exceptions import PermissionDenied


class AccountError(Exception):
    """Base class of the errors raised by accounts.services."""


class NotAllowedToValidate(AccountError, PermissionDenied):
    pass
