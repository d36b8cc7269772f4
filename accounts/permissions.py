"""DRF permission classes shared by every booking and payment endpoint."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class IsValidatedAccount(BasePermission):
    """Only an account validated by the commune may book or pay.

    Anonymous requests get DRF's 403 "not authenticated" answer; an account awaiting validation
    gets a 403 that tells the parent why and what happens next."""

    message = _(
        "Votre compte est en attente de validation par la mairie. Vous pourrez réserver et payer "
        "dès qu'il sera validé ; vous recevrez un e-mail à ce moment-là."
    )
    code = "account_awaiting_validation"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return bool(getattr(user, "is_validated", False))
