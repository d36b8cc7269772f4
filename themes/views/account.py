"""The account pages: log in and out, register, forgotten password, "Mes informations
personnelles". Thin views: a Django form parses, then the API's serializers and accounts.services
decide, with the API's throttles counting in the same cache buckets."""

import math
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.throttling import SimpleRateThrottle

from accounts import services
from accounts.api import (
    MODEL_BACKEND,
    CurrentPasswordThrottle,
    IsAnonymousVisitor,
    PasswordResetThrottle,
    RegistrationThrottle,
)
from accounts.models import User
from accounts.serializers import ProfileSerializer, RegistrationSerializer
from accounts.throttling import LOCKOUT_STATUS, ByAddressMixin, lockout_message
from reservations.models import AccessStatus, ServiceAccess

from ..access import signed_in_required
from ..forms.account import (
    EmailChangeForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetConfirmForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegistrationForm,
    add_service_errors,
    password_rule_checks,
)

TEMPLATES = "themes/account/"


class PasswordRulesThrottle(ByAddressMixin, SimpleRateThrottle):
    """Per address: the live check runs as the parent types (debounced), a town hall's public
    computer may serve several families in a row."""

    scope = "portail_password_rules"
    rate = "600/hour"


# --- Helpers --------------------------------------------------------------------------------


def _safe_next(request) -> str:
    """The `next` page asked for, only when it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _after_login(request, account) -> str:
    """The page asked for, else the calendar when the family can book (an access accepted):
    what a parent logs in for; else the space's home, which says what to do first."""
    if not account.is_validated:
        return reverse("portail:awaiting_validation")
    target = _safe_next(request)
    if target:
        return target
    can_book = ServiceAccess.objects.filter(account=account, status=AccessStatus.ACCEPTED)
    return reverse("portail:planning" if can_book.exists() else "portail:space")


def _throttled(request, throttle_class) -> str | None:
    """The message to show when the API's throttle for this action refuses one more request."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return None
    minutes = max(1, math.ceil((throttle.wait() or 60) / 60))
    return ngettext(
        "Trop de demandes : réessayez dans %(minutes)d minute.",
        "Trop de demandes : réessayez dans %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _password_rules() -> list[str]:
    return [check["text"] for check in password_rule_checks("", None)]


def no_referrer(view):
    """For pages whose address holds a secret (a reset link's token): the header reaches every
    request the page makes, before any HTML is read, where the page's <meta> may come too late
    or be ignored; SecurityMiddleware leaves a header already set alone."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


def _render(request, template, context, status=200):
    context.setdefault("password_rules", _password_rules())
    return render(request, TEMPLATES + template, context, status=status)


# --- Log in, log out ------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    """E-mail and password, through `authenticate` so that django-axes counts the failures."""
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        account = authenticate(
            request,
            username=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
        )
        if account is not None:
            login(request, account)
            return redirect(_after_login(request, account))
        if getattr(request, "axes_locked_out", False):
            # Shown in the site's page rather than django-axes' bare one: the flag is what makes
            # its middleware replace this answer.
            request.axes_locked_out = False
            minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
            form.add_error(None, lockout_message(minutes))
            status = LOCKOUT_STATUS
        else:
            form.add_error(None, _("Adresse e-mail ou mot de passe incorrect."))
    return _render(request, "login.html", {"form": form, "next": _safe_next(request)}, status)


@require_http_methods(["GET", "POST"])
def logout_view(request):
    """POST logs out; GET only asks for confirmation (a link must not end a session)."""
    if request.method == "POST":
        logout(request)
        messages.success(request, _("Vous êtes déconnecté(e). À bientôt !"))
        return redirect("/")
    return _render(request, "logout.html", {})


# --- Registration ---------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def register_view(request):
    """ "Créer un compte": as POST /api/accounts/register/, then the parent is logged in and
    waits for the commune to validate the account."""
    if request.user.is_authenticated:
        messages.info(request, str(IsAnonymousVisitor.message))
        return redirect("portail:space")
    if request.method == "GET":
        form = RegistrationForm(initial={"email": request.GET.get("email", "")})
        return _render(request, "register.html", {"form": form})

    form = RegistrationForm(request.POST)
    status = 200
    if form.is_valid():
        if message := _throttled(request, RegistrationThrottle):
            form.add_error(None, message)
            status = 429
        else:
            account = _register(form)
            if account is not None:
                login(request, account, backend=MODEL_BACKEND)
                messages.success(request, _("Votre compte est maintenant créé."))
                return redirect("portail:awaiting_validation")
    return _render(request, "register.html", {"form": form}, status)


def _register(form) -> User | None:
    serializer = RegistrationSerializer(data=form.api_data())
    if not serializer.is_valid():
        add_service_errors(form, serializer.errors)
        return None
    data = serializer.validated_data
    try:
        return services.register_account(
            email=data["email"],
            password=data["password"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            terms_accepted=data["accept_terms"],
            civility=data["civility"],
            birth_date=data["birth_date"],
            newsletter=data["newsletter"],
            is_company=data["is_company"],
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


@require_POST
def password_rules_view(request):
    """Which rules of the password policy the password typed so far meets (the live list under
    the password fields). POST, so that the password stays out of URLs and logs."""
    if _throttled(request, PasswordRulesThrottle):
        return JsonResponse({"detail": _("Trop de demandes.")}, status=429)
    checks = password_rule_checks(request.POST.get("password", ""), _compared_account(request))
    return JsonResponse({"rules": checks, "valid": all(check["met"] for check in checks)})


def _compared_account(request):
    """Whom the similarity rule compares the password with: the signed-in account, the account of
    a reset link, or the names typed in the registration form."""
    if request.user.is_authenticated:
        return request.user
    uid, token = request.POST.get("uid"), request.POST.get("token")
    if uid and token:
        return services.account_from_reset_link(uid, token)
    return User(
        email=request.POST.get("email", "")[:254],
        first_name=request.POST.get("first_name", "")[:255],
        last_name=request.POST.get("last_name", "")[:255],
    )


# --- Forgotten password ---------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_view(request):
    """Asks the e-mail; answers the same whether an account has it or not."""
    form = PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if message := _throttled(request, PasswordResetThrottle):
            form.add_error(None, message)
            status = 429
        else:
            services.send_password_reset(form.cleaned_data["email"])
            messages.success(
                request,
                _(
                    "Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé "
                    "avec un lien pour choisir un nouveau mot de passe. Pensez à regarder dans "
                    "vos courriers indésirables."
                ),
            )
            return redirect(f"{reverse('portail:password_reset')}?{SENT}=1")
    # After sending, the page says what to do next instead of offering the form again.
    sent = request.method == "GET" and SENT in request.GET
    return _render(request, "password_reset.html", {"form": form, "sent": sent}, status)


SENT = "envoye"


@sensitive_post_parameters("new_password", "token")
@never_cache
@no_referrer
@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request):
    """The page of the e-mailed link (?uid=…&token=…): choose the new password."""
    if request.method == "POST":
        form = PasswordResetConfirmForm(request.POST)
    else:
        form = PasswordResetConfirmForm(
            initial={"uid": request.GET.get("uid", ""), "token": request.GET.get("token", "")}
        )
    uid, token = form["uid"].value() or "", form["token"].value() or ""
    if services.account_from_reset_link(uid, token) is None:
        context = {"invalid_link": services.INVALID_RESET_LINK}
        return _render(request, "password_reset_confirm.html", context, status=400)

    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Votre mot de passe a été modifié. Vous pouvez maintenant vous connecter."),
            )
            return redirect("portail:login")
    return _render(request, "password_reset_confirm.html", {"form": form})


# --- Mes informations personnelles ----------------------------------------------------------


def _profile_page(request, *, profile_form=None, email_form=None, password_form=None, status=200):
    account = request.user
    context = {
        "account": account,
        "profile_form": profile_form or ProfileForm(initial=ProfileSerializer(account).data),
        "email_form": email_form or EmailChangeForm(prefix="email"),
        "password_form": password_form or PasswordChangeForm(prefix="password"),
    }
    return _render(request, "profile.html", context, status)


@never_cache
@signed_in_required
@require_http_methods(["GET", "POST"])
def profile_view(request):
    """Personal information, as PATCH /api/accounts/me/; open to accounts awaiting validation."""
    if request.method == "GET":
        return _profile_page(request)
    form = ProfileForm(request.POST)
    if form.is_valid():
        serializer = ProfileSerializer(request.user, data=form.api_data(), partial=True)
        if serializer.is_valid():
            serializer.save()
            messages.success(request, _("Vos informations personnelles ont été enregistrées."))
            return redirect("portail:profile")
        add_service_errors(form, serializer.errors)
    return _profile_page(request, profile_form=form)


@sensitive_post_parameters("email-current_password")
@never_cache
@signed_in_required
@require_POST
def change_email_view(request):
    form = EmailChangeForm(request.POST, prefix="email")
    account, status = _change_with_current_password(request, form, services.change_email)
    if account is not None:
        messages.success(
            request,
            _("Votre adresse e-mail de connexion est maintenant %(email)s.")
            % {"email": account.email},
        )
        return redirect("portail:profile")
    return _profile_page(request, email_form=form, status=status)


@sensitive_post_parameters("password-current_password", "password-new_password")
@never_cache
@signed_in_required
@require_POST
def change_password_view(request):
    form = PasswordChangeForm(request.POST, prefix="password")
    account, status = _change_with_current_password(request, form, services.change_password)
    if account is not None:
        # This session stays open; the others end (their hash no longer matches).
        update_session_auth_hash(request, account)
        messages.success(request, _("Votre mot de passe a été modifié."))
        return redirect("portail:profile")
    return _profile_page(request, password_form=form, status=status)


def _change_with_current_password(request, form, change):
    """Run `change(account, **form data)` once the form is valid and the current-password
    guesses are within the API's limit; (the account changed or None, HTTP status). Refusals
    go on the form."""
    if not form.is_valid():
        return None, 200
    if message := _throttled(request, CurrentPasswordThrottle):
        add_service_errors(form, {None: [message]})
        return None, 429
    try:
        return change(request.user, **form.cleaned_data), 200
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, 200


urlpatterns = [
    path("connexion/", login_view, name="login"),
    path("deconnexion/", logout_view, name="logout"),
    path("inscription/", register_view, name="register"),
    path("mot-de-passe/regles/", password_rules_view, name="password_rules"),
    path("mot-de-passe/oublie/", password_reset_view, name="password_reset"),
    path("mot-de-passe/nouveau/", password_reset_confirm_view, name="password_reset_confirm"),
    path("espace/informations/", profile_view, name="profile"),
    path("espace/informations/email/", change_email_view, name="profile_email"),
    path("espace/informations/mot-de-passe/", change_password_view, name="profile_password"),
]
