"""Who may open the parent's space: signed in, and for most pages an account already validated
by the commune (the same rule as the API's `accounts.permissions.IsValidatedAccount`)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse


def signed_in_required(view):
    """Anonymous visitors go to the login page, then come back."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portail:login"))
        return view(request, *args, **kwargs)

    return wrapper


def parent_required(view):
    """Signed in and validated; an account awaiting validation sees the waiting page instead."""

    @wraps(view)
    @signed_in_required
    def wrapper(request, *args, **kwargs):
        if not getattr(request.user, "is_validated", False):
            return redirect("portail:awaiting_validation")
        return view(request, *args, **kwargs)

    return wrapper
