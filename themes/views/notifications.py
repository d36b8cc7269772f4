"""Mes e-mails: the kinds of e-mail a parent receives, and the one-click unsubscribe page a
reminder links to (no login: the signed token in the link names the account and the kind)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import notifications
from accounts.models import NotificationKind
from reservations.waitlist import set_waitlist_auto_pay

from ..access import signed_in_required

TEMPLATES = "themes/notifications/"


@never_cache
@signed_in_required
@require_http_methods(["GET", "POST"])
def notifications_view(request):
    """A checkbox per kind; saving sets them all (an unchecked box is an opt-out)."""
    if request.method == "POST":
        chosen = set(request.POST.getlist("kinds"))
        notifications.set_preferences(
            request.user, {kind: kind in chosen for kind in NotificationKind.values}
        )
        messages.success(request, _("Vos préférences d'e-mails sont enregistrées."))
        return redirect("portail:notifications")
    preferences = notifications.preferences_of(request.user)
    kinds = [
        {
            "value": kind,
            "label": label,
            "enabled": preferences[kind],
            "reminder": kind in notifications.REMINDER_KINDS,
        }
        for kind, label in NotificationKind.choices
    ]
    return render(
        request,
        TEMPLATES + "preferences.html",
        {"kinds": kinds, "waitlist_auto_pay": request.user.waitlist_auto_pay},
    )


@never_cache
@signed_in_required
@require_POST
def waitlist_preference_view(request):
    """The family's choice for a seat freed on a waiting list: booked and paid from the wallet
    at once, or offered by e-mail. It applies to the entries waiting now and to the next ones
    (each entry may still be changed in "Mes réservations")."""
    wanted = request.POST.get("auto") == "1"
    set_waitlist_auto_pay(request.user, wanted)
    messages.success(
        request,
        _("Si une place se libère, le repas sera réservé et payé avec votre porte-monnaie.")
        if wanted
        else _("Si une place se libère, vous recevrez une proposition par e-mail."),
    )
    return redirect("portail:notifications")


# The token is the credential: a mail client's one-click POST (RFC 8058) carries no CSRF token.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token):
    """GET shows what the link unsubscribes from and one button; POST unsubscribes. A link
    prefetched by a mail scanner (GET) changes nothing."""
    found = notifications.read_unsubscribe_token(token)
    if found is None:
        return render(request, TEMPLATES + "unsubscribe.html", {"invalid": True}, status=404)
    account, kind = found
    done = False
    if request.method == "POST":
        notifications.unsubscribe(token)
        done = True
    context = {"kind_label": NotificationKind(kind).label, "email": account.email, "done": done}
    return render(request, TEMPLATES + "unsubscribe.html", context)


urlpatterns = [
    path("espace/mes-emails/", notifications_view, name="notifications"),
    path(
        "espace/mes-emails/liste-attente/",
        waitlist_preference_view,
        name="waitlist_preference",
    ),
    path("desabonnement/<str:token>/", unsubscribe_view, name="unsubscribe"),
]
