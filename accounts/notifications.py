"""Which e-mails an account receives, and the one way the platform sends them.

Every kind is on until the family turns it off (`NotificationOptOut`). Reminders and summaries
carry a one-click unsubscribe link: a signed token naming the account and the kind, so no login
is needed and the link unsubscribes from that kind only.

Confirmations are opt-out too, with one exception: a cancellation the family did not make
itself (an agent's) is always told, since nothing else would tell them their meal and money
moved. Closures already send their own e-mail (reservations/closures.py), listing the refund."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from .models import NotificationKind, NotificationOptOut, User

REMINDER_KINDS = (
    NotificationKind.DEADLINE_REMINDER,
    NotificationKind.UNBOOKED_WEEK,
    NotificationKind.LOW_BALANCE,
    NotificationKind.WEEKLY_SUMMARY,
)
CONFIRMATION_KINDS = (
    NotificationKind.ORDER_CONFIRMATION,
    NotificationKind.CANCELLATION_CONFIRMATION,
    NotificationKind.TOP_UP_CONFIRMATION,
)
UNSUBSCRIBE_SALT = "accounts.notifications.unsubscribe"


def opted_out_kinds(account) -> set[str]:
    return set(NotificationOptOut.objects.filter(account=account).values_list("kind", flat=True))


def preferences_of(account) -> dict[str, bool]:
    """Every kind, in NotificationKind's order, with whether the account receives it."""
    off = opted_out_kinds(account)
    return {kind: kind not in off for kind in NotificationKind.values}


@transaction.atomic
def set_preferences(account, wanted: dict[str, bool]) -> dict[str, bool]:
    """Turn kinds on (True) or off (False); kinds not named keep their setting."""
    for kind, enabled in wanted.items():
        if kind not in NotificationKind.values:
            raise ValueError(kind)
        if enabled:
            NotificationOptOut.objects.filter(account=account, kind=kind).delete()
        else:
            _opt_out(account, kind)
    return preferences_of(account)


def _opt_out(account, kind: str) -> None:
    try:
        with transaction.atomic():  # a savepoint: two clicks at once are one opt-out
            NotificationOptOut.objects.get_or_create(account=account, kind=kind)
    except IntegrityError:
        pass


def wants(account, kind: str) -> bool:
    return not NotificationOptOut.objects.filter(account=account, kind=kind).exists()


# --- One-click unsubscribe --------------------------------------------------------------------


def unsubscribe_token(account, kind: str) -> str:
    return signing.dumps({"a": account.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The account and kind a token was made for, or None when it is forged or names nothing."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        account_id, kind = data["a"], data["k"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    if kind not in NotificationKind.values:
        return None
    account = User.objects.filter(pk=account_id, is_active=True).first()
    return (account, kind) if account is not None else None


def unsubscribe(token: str) -> tuple[User, str] | None:
    found = read_unsubscribe_token(token)
    if found is not None:
        _opt_out(*found)
    return found


def unsubscribe_url(account, kind: str) -> str:
    path = reverse("portail:unsubscribe", args=[unsubscribe_token(account, kind)])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def absolute_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


# --- Sending ----------------------------------------------------------------------------------


def notify(account, kind: str, *, subject: str, template: str, context=None, mandatory=False):
    """Send one e-mail of `kind` to `account` unless they turned that kind off (a `mandatory`
    one is sent anyway). Returns whether it was sent. Plain text, as every e-mail of the
    platform; through EMAIL_BACKEND, so it leaves only once the current transaction commits."""
    if not mandatory and not wants(account, kind):
        return False
    context = {"account": account, **(context or {})}
    headers = {}
    if kind in REMINDER_KINDS:
        link = unsubscribe_url(account, kind)
        context["unsubscribe_url"] = link
        # RFC 8058: mail clients show their own "Se désabonner" button and POST to the link.
        headers = {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    context["preferences_url"] = absolute_url(reverse("portail:notifications"))
    body = render_to_string(template, context)
    message = EmailMultiAlternatives(
        subject=str(subject), body=body, to=[account.email], headers=headers
    )
    message.send()
    return True
