"""Closing an account (RGPD): the personal data is erased or anonymised, the accounting rows stay.

What closing keeps, and why: French public accounting (the régies' receipts, the ledger) must be
kept for years, so orders, bookings, ledger transfers and legs, card payments and régie shares
(with their receipt numbers) stay, pointing to the same account row, now anonymised (no name, an
e-mail nobody owns, no password, inactive). The ledger's rows are immutable anyway
(wallet.models.ImmutableModel): a transfer's reason keeps the wording it was written with.

What closing refuses, and why (an agent's or an administrator's account is closed by an
administrator, not here):
- an order awaiting payment or a card payment in progress: its outcome would land on an account
  nobody can log in to any more;
- a booking still to come: the canteen counts the child that day. Cancelling automatically would
  have to skip the cancellation deadline (the meal is owed once it has passed) or leave a meal
  booked for an anonymous child; the parent cancels in « Mes réservations » (the money goes back to
  the porte-monnaie), and a booking past its cancellation deadline must first have taken place;
- money in the porte-monnaie: it belongs to the family, and the platform cannot pay it back to a
  bank account. The parent asks the commune's régie for a refund; the agent records it as a debit
  adjustment of the pot (wallet.ledger.adjust_pot), and the account can then be closed. Keeping the
  money under an anonymised account would leave it to nobody.

Like accounts/rgpd.py, it reaches the other apps' rows through `apps.get_model`."""

import logging
from datetime import date
from decimal import Decimal

from babel.numbers import format_currency
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, to_locale
from django.utils.translation import gettext as _

from . import roles
from .models import AccountClosure, CalendarFeed, NotificationOptOut, SentReminder

logger = logging.getLogger(__name__)

WRONG_PASSWORD = gettext_lazy("Le mot de passe est incorrect.")
# The birth date of an erased beneficiary: the column is required, the real date is personal.
ERASED_BIRTH_DATE = date(1900, 1, 1)
ERASED_NAME = "Anonyme"
ZERO = Decimal("0.00")


def _model(label: str):
    return apps.get_model(label)


class ClosureRefused(Exception):
    """The account cannot be closed yet; `reasons` say what to do first, one sentence each."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def closure_refusals(account, *, today: date | None = None) -> list[str]:
    """What must happen before the account can be closed, one sentence each saying what to do
    (empty: it can be closed). A handful of queries."""
    today = today or timezone.localdate()
    reasons = []
    if _is_staff(account):
        # Their name is on the decisions, bookings and adjustments they made for families.
        return [
            _(
                "Ce compte est celui d'un agent ou d'un administrateur : seul un administrateur "
                "de la plateforme peut le fermer. Adressez-lui votre demande."
            )
        ]
    minutes = settings.CARD_PAYMENT_TIMEOUT_MINUTES
    Booking = _model("reservations.Booking")
    unpaid = list(
        _model("wallet.RegieShare")
        .objects.filter(owner=account, status="pending")
        .values_list("order_number", flat=True)
        .distinct()[:5]
    )
    unpaid += (
        Booking.objects.filter(account=account, status="pending_payment")
        .exclude(order_number__in=unpaid)
        .values_list("order_number", flat=True)
        .distinct()[:5]
    )
    if unpaid:
        reasons.append(
            _(
                "Une commande attend son paiement (n° %(numbers)s) : payez-la ou laissez-la "
                "s'annuler d'elle-même (au bout de %(minutes)d minutes), puis revenez fermer "
                "votre compte."
            )
            % {"numbers": ", ".join(sorted(set(unpaid))), "minutes": minutes}
        )
    elif (
        _model("wallet.CardPayment")
        .objects.filter(owner=account)
        .filter(Q(status="pending") | Q(status="failed", purpose="order"))
        .exists()
    ):
        reasons.append(
            _(
                "Un paiement par carte est en cours : terminez-le ou attendez %(minutes)d "
                "minutes qu'il expire, puis revenez fermer votre compte."
            )
            % {"minutes": minutes}
        )
    coming = Booking.objects.filter(
        account=account, status__in=["pending_payment", "confirmed"], date__gte=today
    )
    count = coming.count()
    if count:
        last = coming.order_by("-date").values_list("date", flat=True).first()
        reasons.append(
            _(
                "Vous avez %(count)d réservation(s) à venir (jusqu'au %(last)s) : annulez-les dans "
                "« Mes réservations » (le montant revient dans votre porte-monnaie). Une "
                "réservation dont la date limite d'annulation est passée doit d'abord avoir eu "
                "lieu."
            )
            % {"count": count, "last": last.strftime("%d/%m/%Y")}
        )
    balance = sum(
        _model("wallet.LedgerAccount")
        .objects.filter(owner=account, kind__in=["general_pot", "service_pot"], balance__gt=0)
        .values_list("balance", flat=True),
        ZERO,
    )
    if balance > 0:
        reasons.append(
            _(
                "Votre porte-monnaie contient %(amount)s : demandez-en le remboursement à votre "
                "mairie (la régie qui l'a encaissé) ; une fois le remboursement enregistré, vous "
                "pourrez fermer votre compte."
            )
            % {"amount": _euros(balance)}
        )
    return reasons


def _euros(amount: Decimal) -> str:
    """ "5,00 €" in French, "€5.00" in English: as wallet.money writes money (accounts sits below
    the wallet, so it asks Babel itself)."""
    language = get_language() or settings.LANGUAGE_CODE
    return format_currency(amount, "EUR", locale=to_locale(language))


def _is_staff(account) -> bool:
    return (
        account.is_staff
        or account.is_superuser
        or account.groups.filter(name__in=[roles.AGENTS, roles.OFFICERS]).exists()
        or _model("partner.Partner").objects.filter(users=account).exists()
    )


def closure_reference(account) -> str:
    return f"CF-{account.pk:06d}"


@transaction.atomic
def close_account(account, *, password: str, now=None, today: date | None = None):
    """Close the account once its holder has typed the password: erase or anonymise the
    personal data, keep the accounting rows, end every session, and confirm by e-mail to the
    address before it is erased. Raises ValidationError on `password`, or ClosureRefused with
    what to do first. All or nothing: the files are deleted once the transaction commits."""
    User = get_user_model()
    # The checkout's rows first, then the account's: a checkout holds its basket while its
    # inserts wait for a share lock on the account row; the other order deadlocks.
    _lock_what_a_checkout_locks(account)
    account = User.objects.select_for_update().get(pk=account.pk)
    if not account.is_active or not account.check_password(password):
        raise ValidationError({"password": [WRONG_PASSWORD]})
    if reasons := closure_refusals(account, today=today):
        raise ClosureRefused(reasons)

    now = now or timezone.now()
    reference = closure_reference(account)
    former_email, former_name = account.email, account.get_full_name()
    files: list[tuple[object, str]] = []
    erased = {
        "beneficiaries": _erase_beneficiaries(account, now, files),
        **_erase_accesses(account, files),
        "absence_justifications": _erase_justifications(account, files),
        **_erase_side_rows(account, former_email),
    }
    _anonymise_account(account)
    AccountClosure.objects.create(
        account=account, reference=reference, closed_at=now, closed_by=account, erased=erased
    )
    send_mail(
        subject=_("Votre compte Portail Famille est fermé"),
        message=render_to_string(
            "accounts/email/account_closed.txt",
            {"name": former_name or former_email, "reference": reference, "closed_at": now},
        ),
        from_email=None,
        recipient_list=[former_email],
    )
    # A rolled-back closure must keep its files: they go only once the erasure is committed.
    transaction.on_commit(lambda: _delete_files(files))
    logger.info("Account %s closed by its holder at %s (%s)", account.pk, now, reference)
    return AccountClosure.objects.get(account=account)


def _lock_what_a_checkout_locks(account) -> None:
    """The open baskets, then the pots, in the checkout's and the ledger's order: a checkout or
    a top-up under way finishes first, and the checks below see what it wrote; one starting now
    waits, then finds no basket (the closure deletes it)."""
    list(
        _model("basket.Basket")
        .objects.select_for_update()
        .filter(owner=account, status="Open")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    list(
        _model("wallet.LedgerAccount")
        .objects.select_for_update()
        .filter(owner=account, kind__in=["general_pot", "service_pot"])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _erase_beneficiaries(account, now, files: list) -> int:
    beneficiaries = list(
        _model("reservations.Beneficiary").objects.select_for_update().filter(account=account)
    )
    for beneficiary in beneficiaries:
        if beneficiary.photo:
            files.append((beneficiary.photo.storage, beneficiary.photo.name))
        beneficiary.first_name = ERASED_NAME
        beneficiary.last_name = ""
        beneficiary.birth_date = ERASED_BIRTH_DATE
        beneficiary.school_class = ""
        beneficiary.group = ""
        beneficiary.photo = ""
        # A diet may say a religion: sensitive data (RGPD article 9), erased with the rest.
        beneficiary.diet = ""
        beneficiary.has_pai = False
        beneficiary.pai_details = ""
        beneficiary.additional_information = ""
        beneficiary.archived_at = beneficiary.archived_at or now
    _model("reservations.Beneficiary").objects.bulk_update(
        beneficiaries,
        [
            "first_name",
            "last_name",
            "birth_date",
            "school_class",
            "group",
            "photo",
            "diet",
            "has_pai",
            "pai_details",
            "additional_information",
            "archived_at",
        ],
    )
    CalendarFeed.objects.filter(beneficiary__account=account).delete()
    return len(beneficiaries)


def _erase_accesses(account, files: list) -> dict:
    """Tax figures and the documents go; the decision and the tariff bracket stay (they explain
    the prices charged, which the bookings froze)."""
    ServiceAccess = _model("reservations.ServiceAccess")
    AccessDocument = _model("reservations.AccessDocument")
    accesses = ServiceAccess.objects.filter(account=account)
    documents = AccessDocument.objects.filter(access__account=account)
    for storage_name in documents.values_list("file", flat=True):
        files.append((AccessDocument._meta.get_field("file").storage, storage_name))
    document_count, _rows = documents.delete()
    accesses.update(reference_tax_income=None, tax_shares=None, family_quotient=None)
    accesses.exclude(refusal_reason="").update(refusal_reason="—")
    _model("reservations.AccessEvent").objects.filter(access__account=account).update(message="")
    return {"service_accesses": accesses.count(), "documents": document_count}


def _erase_justifications(account, files: list) -> int:
    """Absence certificates are health documents: files and rows go (the days they justified
    stay recorded as justified absences, and any refund in the ledger)."""
    AbsenceJustification = _model("reservations.AbsenceJustification")
    justifications = AbsenceJustification.objects.filter(account=account)
    storage = AbsenceJustification._meta.get_field("file").storage
    files.extend((storage, name) for name in justifications.values_list("file", flat=True))
    return justifications.delete()[0]


def _erase_side_rows(account, email: str) -> dict:
    """Rows that are only about the person: notification choices, Oscar's address book, its
    copies of sent e-mails, alerts, baskets, and the login attempts django-axes kept."""
    counts = {
        "notification_opt_outs": NotificationOptOut.objects.filter(account=account).delete()[0],
        "sent_reminders": SentReminder.objects.filter(account=account).delete()[0],
    }
    for label, field in (
        ("address.UserAddress", "user"),
        ("communication.Email", "user"),
        ("communication.Notification", "recipient"),
        ("customer.ProductAlert", "user"),
        ("wishlists.WishList", "owner"),
    ):
        counts[label] = _model(label).objects.filter(**{field: account}).delete()[0]
    # Open baskets only: a submitted basket is what an order was placed from.
    counts["basket.Basket"] = (
        _model("basket.Basket").objects.filter(owner=account, status="Open").delete()[0]
    )
    for label in ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"):
        try:
            model = _model(label)
        except LookupError:
            continue
        counts[label] = model.objects.filter(username__iexact=email).delete()[0]
    return counts


def _anonymise_account(account) -> None:
    account.email = f"compte-ferme-{account.pk}@anonyme.invalid"
    account.civility = ""
    account.first_name = ""
    account.last_name = ""
    account.birth_date = None
    account.newsletter = False
    account.is_company = False
    account.is_active = False
    account.is_staff = False
    # A new (unusable) password changes the session hash: every open session, whatever the
    # session engine, ends at its next request (django.contrib.auth.get_user checks it); and an
    # inactive account is refused by the backends anyway.
    account.set_unusable_password()
    account.save()
    account.groups.clear()
    account.user_permissions.clear()


def _delete_files(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Account closure: could not delete %s", name)
