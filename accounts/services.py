"""Use cases on accounts.

Each use case checks its own rules and raises Django's `ValidationError` keyed by the name of the
field at fault, so that the API (and any other caller) can show the message next to that field.
E-mails leave after the transaction commits (accounts.email.TaskEmailBackend)."""

import json
import unicodedata

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import roles
from .exceptions import NotAllowedToValidate
from .models import User

# Telling a visitor that an address already has an account lets anyone find out who is
# registered (account enumeration). The seed's registration form does exactly that, and parents
# need to hear "you already have an account, use « Mot de passe oublié ? »" rather than wait for
# an e-mail that never comes; the password-reset request, where the risk is larger, never tells.
EMAIL_TAKEN = gettext_lazy(
    "Un compte existe déjà avec cette adresse e-mail. Connectez-vous ou utilisez « Mot de passe "
    "oublié ? »."
)
WRONG_PASSWORD = gettext_lazy("Le mot de passe actuel est incorrect.")
TERMS_NOT_ACCEPTED = gettext_lazy(
    "Vous devez accepter les conditions générales et la politique de confidentialité."
)
INVALID_RESET_LINK = gettext_lazy(
    "Ce lien n'est plus valide : il a déjà servi ou il a expiré. Demandez un nouveau lien avec "
    "« Mot de passe oublié ? »."
)


def can_validate_accounts(actor) -> bool:
    return actor.is_active and (actor.is_superuser or actor.has_perm("accounts.validate_account"))


@transaction.atomic
def validate_account(account: User, *, validated_by: User, now=None) -> User:
    """Let an account book and pay; tell its holder by e-mail. Validating twice changes nothing."""
    if not can_validate_accounts(validated_by):
        raise NotAllowedToValidate(_("Vous n'avez pas le droit de valider des comptes."))
    account = User.objects.select_for_update().get(pk=account.pk)
    if account.is_validated:
        return account
    account.validated_at = now or timezone.now()
    account.validated_by = validated_by
    account.save(update_fields=["validated_at", "validated_by"])
    send_mail(
        subject=_("Votre compte Portail Famille est validé"),
        message=render_to_string("accounts/email/account_validated.txt", {"account": account}),
        from_email=None,
        recipient_list=[account.email],
    )
    return account


# An account's refusal is written to Django's admin log (who, when, the reason), the one record
# of decisions on an account that needs no new table; this key marks it among the log's entries.
ACCOUNT_REFUSAL_KEY = "portail_account_refused"
# How every refusal's change message starts (refusal_message), to find them in the log.
REFUSAL_MESSAGE_PREFIX = f'[{{"{ACCOUNT_REFUSAL_KEY}"'
REASON_REQUIRED = gettext_lazy("Indiquez le motif du refus : il est envoyé à la famille.")
ALREADY_VALIDATED = gettext_lazy("Ce compte est déjà validé : il ne peut plus être refusé.")


def refusal_message(reason: str) -> str:
    """The log entry's change message of a refusal (JSON, as the admin's own messages)."""
    return json.dumps([{ACCOUNT_REFUSAL_KEY: {"reason": reason}}], ensure_ascii=False)


def refusal_reason(change_message: str) -> str:
    """The reason a refusal's log entry carries ("" for any other entry)."""
    try:
        return json.loads(change_message)[0][ACCOUNT_REFUSAL_KEY]["reason"]
    except (ValueError, LookupError, TypeError):
        return ""


@transaction.atomic
def refuse_account(account: User, *, refused_by: User, reason: str, now=None) -> LogEntry:
    """Refuse a pending account, with a reason e-mailed to its holder. The account stays unable
    to book or pay (an agent may still validate it later, once the family has answered); the
    refusal, its author and its reason are recorded in the admin log."""
    if not can_validate_accounts(refused_by):
        raise NotAllowedToValidate(_("Vous n'avez pas le droit de refuser des comptes."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    account = User.objects.select_for_update().get(pk=account.pk)
    if account.is_validated:
        raise ValidationError({"reason": [ALREADY_VALIDATED]})
    entry = LogEntry.objects.create(
        user=refused_by,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(account.pk),
        object_repr=str(account)[:200],
        action_flag=CHANGE,
        change_message=refusal_message(reason),
        action_time=now or timezone.now(),
    )
    _send(
        "account_refused.txt",
        _("Votre compte Portail Famille n'a pas été validé"),
        account.email,
        account=account,
        reason=reason,
    )
    return entry


# --- Checks shared with the API's serializers -----------------------------------------------


def normalize_email(email: str) -> str:
    return User.objects.normalize_email(email.strip())


def email_is_taken(email: str, *, exclude: User | None = None) -> bool:
    """Whether another account uses this e-mail, whatever its case (as the database constraint)."""
    # Lower() rather than iexact: the query then uses the constraint's index.
    accounts = User.objects.annotate(email_lower=Lower("email")).filter(email_lower=email.lower())
    if exclude is not None:
        accounts = accounts.exclude(pk=exclude.pk)
    return accounts.exists()


def password_errors(password: str, account: User) -> list[str]:
    """The policy's messages for every rule this password breaks (empty when it is accepted).
    `account` may be unsaved: the similarity rule compares the password with its names."""
    try:
        password_validation.validate_password(password, account)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def _raise_if(errors: dict[str, list]) -> None:
    if errors:
        raise ValidationError(errors)


def _save_with_unique_email(account: User, **save_kwargs) -> None:
    try:
        # A savepoint: the caller's transaction stays usable after the constraint refused.
        with transaction.atomic():
            account.save(**save_kwargs)
    except IntegrityError as exc:
        # Two requests passed email_is_taken() at the same time; the constraint decided.
        raise ValidationError({"email": [EMAIL_TAKEN]}) from exc


def _send(template: str, subject: str, recipient: str, **context) -> None:
    send_mail(
        subject=subject,
        message=render_to_string(f"accounts/email/{template}", context),
        from_email=None,
        recipient_list=[recipient],
    )


# --- Registration and profile ---------------------------------------------------------------


@transaction.atomic
def register_account(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    terms_accepted: bool,
    civility: str = "",
    birth_date=None,
    newsletter: bool = False,
    is_company: bool = False,
    now=None,
) -> User:
    """Create a parent's account, awaiting validation by the commune, and tell them by e-mail."""
    now = now or timezone.now()
    account = User(
        email=normalize_email(email),
        civility=civility,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        newsletter=newsletter,
        is_company=is_company,
        terms_accepted_at=now,
        date_joined=now,
    )
    errors = {}
    if email_is_taken(account.email):
        errors["email"] = [EMAIL_TAKEN]
    if problems := password_errors(password, account):
        errors["password"] = problems
    if not terms_accepted:
        errors["accept_terms"] = [TERMS_NOT_ACCEPTED]
    _raise_if(errors)

    account.set_password(password)
    _save_with_unique_email(account)
    roles.add_to_role(account, roles.PARENTS)
    _send(
        "account_registered.txt",
        _("Votre compte a été créé — en attente de validation"),
        account.email,
        account=account,
    )
    return account


@transaction.atomic
def change_email(account: User, *, new_email: str, current_password: str) -> User:
    """Change the login e-mail once the holder has typed their password; the former address is
    told, so that a stolen session cannot quietly take the account over."""
    account = User.objects.select_for_update().get(pk=account.pk)
    new_email = normalize_email(new_email)
    errors = {}
    if not account.check_password(current_password):
        errors["current_password"] = [WRONG_PASSWORD]
    if email_is_taken(new_email, exclude=account):
        errors["new_email"] = [EMAIL_TAKEN]
    _raise_if(errors)

    former_email = account.email
    if new_email == former_email:
        return account
    account.email = new_email
    try:
        _save_with_unique_email(account, update_fields=["email"])
    except ValidationError as exc:
        raise ValidationError({"new_email": exc.message_dict["email"]}) from exc
    _send(
        "email_changed.txt",
        _("Votre adresse e-mail de connexion a été modifiée"),
        former_email,
        account=account,
        former_email=former_email,
    )
    return account


@transaction.atomic
def change_password(account: User, *, current_password: str, new_password: str) -> User:
    """Change the password once the holder has typed the current one, and tell them by e-mail.
    The caller keeps the current session valid (`update_session_auth_hash`); other sessions end."""
    account = User.objects.select_for_update().get(pk=account.pk)
    errors = {}
    if not account.check_password(current_password):
        errors["current_password"] = [WRONG_PASSWORD]
    if problems := password_errors(new_password, account):
        errors["new_password"] = problems
    _raise_if(errors)

    _set_password(account, new_password)
    return account


def _set_password(account: User, password: str) -> None:
    account.set_password(password)
    account.save(update_fields=["password"])
    _send(
        "password_changed.txt",
        _("Votre mot de passe Portail Famille a été modifié"),
        account.email,
        account=account,
    )


# --- Forgotten password ---------------------------------------------------------------------


def password_reset_url(account: User) -> str:
    """The front end's page that asks for the new password, with the single-use token."""
    return settings.PASSWORD_RESET_URL_TEMPLATE.format(
        base_url=settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
        uid=urlsafe_base64_encode(force_bytes(account.pk)),
        token=default_token_generator.make_token(account),
    )


def _reset_link_lifetime() -> str:
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    if minutes % 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = minutes // 60
    return ngettext("%(count)d heure", "%(count)d heures", hours) % {"count": hours}


def _same_email(typed: str, stored: str) -> bool:
    # Unicode case folding, as Django's PasswordResetForm: "ı" and "i" are not the same letter.
    return (
        unicodedata.normalize("NFKC", typed).casefold()
        == unicodedata.normalize("NFKC", stored).casefold()
    )


@transaction.atomic
def send_password_reset(email: str) -> None:
    """E-mail a reset link if an active account has this address; otherwise do nothing, and say
    nothing: the caller answers the same either way, so the form does not reveal who is
    registered.

    The token (Django's default_token_generator) hashes the password and the last login: it stops
    working once used or after the next login, and expires after PASSWORD_RESET_TIMEOUT."""
    email = normalize_email(email)
    candidates = User.objects.filter(email__iexact=email, is_active=True)
    for account in candidates:
        # Django's own rules: no link for an account without a usable password, and the link goes
        # to the stored address, never to the one typed in the form.
        if not account.has_usable_password() or not _same_email(email, account.email):
            continue
        _send(
            "password_reset.txt",
            _("Réinitialisation de votre mot de passe Portail Famille"),
            account.email,
            account=account,
            reset_url=password_reset_url(account),
            valid_for=_reset_link_lifetime(),
        )


def _account_from_uid(uid: str) -> User | None:
    try:
        pk = urlsafe_base64_decode(uid).decode()
        return User.objects.get(pk=pk, is_active=True)
    except (TypeError, ValueError, OverflowError, ValidationError, User.DoesNotExist):
        return None


def account_from_reset_link(uid: str, token: str) -> User | None:
    """The account a reset link was sent to while the link still works, else None: the page that
    asks for the new password says at once that a link has expired, before anything is typed."""
    account = _account_from_uid(uid)
    if account is None or not default_token_generator.check_token(account, token):
        return None
    return account


@transaction.atomic
def reset_password(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from the link of a reset e-mail. The link then stops working (the token
    hashes the password), other sessions end, and a login lockout of the account is lifted."""
    account = _account_from_uid(uid)
    if account is None or not default_token_generator.check_token(account, token):
        raise ValidationError({"token": [INVALID_RESET_LINK]})
    # Lock, then check the token again: of two requests with the same link, only one passes.
    account = User.objects.select_for_update().get(pk=account.pk)
    if not default_token_generator.check_token(account, token):
        raise ValidationError({"token": [INVALID_RESET_LINK]})
    if problems := password_errors(new_password, account):
        raise ValidationError({"new_password": problems})

    _set_password(account, new_password)
    # The lockout message sends parents to « Mot de passe oublié ? »: proving they own the
    # mailbox lets them log in again at once.
    reset_login_failures(username=account.email)
    return account
