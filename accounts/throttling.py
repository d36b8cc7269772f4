"""Who is asking (`client_address`, the one address every rate limit counts) and what a
locked-out login sees (django-axes calls `lockout_response`)."""

import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

LOCKOUT_STATUS = 429


def client_address(request) -> str | None:
    """The visitor's address: REMOTE_ADDR, or behind NUM_PROXIES proxies the X-Forwarded-For
    entry our outermost proxy wrote. Entries left of it are the client's to forge, so they are
    never read; a value that is not an address falls back to REMOTE_ADDR."""
    remote_addr = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not settings.NUM_PROXIES or not forwarded:
        return remote_addr
    hops = [hop.strip() for hop in forwarded.split(",")]
    candidate = hops[-min(settings.NUM_PROXIES, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def login_name(request, credentials) -> str:
    """The login django-axes counts failures for: the e-mail, lower-cased."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return username.strip().lower()


def lockout_message(cool_off_minutes: int) -> str:
    return _(
        "Trop de tentatives de connexion échouées : la connexion à ce compte est bloquée pendant "
        "%(minutes)d minutes. Réessayez plus tard ou utilisez « Mot de passe oublié ? »."
    ) % {"minutes": cool_off_minutes}


def lockout_response(request, original_response=None, credentials=None):
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = lockout_message(minutes)
    wants_json = request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")
    if wants_json:
        return JsonResponse({"detail": message, "code": "login_locked"}, status=LOCKOUT_STATUS)
    return HttpResponse(
        f'<!doctype html><html lang="fr"><title>{escape(_("Connexion bloquée"))}</title>'
        f'<main><h1>{escape(_("Connexion bloquée"))}</h1><p role="alert">{escape(message)}</p>'
        "</main></html>",
        status=LOCKOUT_STATUS,
    )


class ByAddressMixin:
    """For a DRF throttle: count every visitor by address, signed in or not, the address
    django-axes counts too. DRF's AnonRateThrottle lets a signed-in visitor through uncounted,
    so any account could flood a mailbox from the forgotten-password form."""

    def get_ident(self, request):
        return client_address(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
