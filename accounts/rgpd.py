"""The family's rights over its data (RGPD): a copy of everything the platform holds about the
account (`write_export`), and closing the account (`close_account`).

It sits in accounts because the account is what it is about, but it reads the rows of every app
(reservations, wallet, Oscar's orders): it reaches them through `apps.get_model`, as the domain
apps reach Oscar's, so that accounts imports nothing above it.

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
  money under an anonymised account would leave it to nobody."""

import io
import json
import logging
import shutil
import tempfile
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import PurePosixPath

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import roles
from .models import AccountClosure, CalendarFeed, NotificationOptOut, SentReminder

logger = logging.getLogger(__name__)

WRONG_PASSWORD = gettext_lazy("Le mot de passe est incorrect.")
# The birth date of an erased beneficiary: the column is required, the real date is personal.
ERASED_BIRTH_DATE = date(1900, 1, 1)
ERASED_NAME = "Anonyme"
ZERO = Decimal("0.00")
# Rows read per database round trip while writing the export: memory stays bounded.
CHUNK = 500


def _model(label: str):
    return apps.get_model(label)


class ClosureRefused(Exception):
    """The account cannot be closed yet; `reasons` say what to do first, one sentence each."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


# --- Export -----------------------------------------------------------------------------------


def export_filename(today: date | None = None) -> str:
    today = today or timezone.localdate()
    return f"mes-donnees-portail-famille-{today:%Y-%m-%d}.zip"


def export_archive(account):
    """The account's data as a ZIP in a temporary file (on disk past a few megabytes, deleted
    once closed), positioned at its start: ready for a FileResponse."""
    out = tempfile.TemporaryFile()
    write_export(account, out)
    out.seek(0)
    return out


def write_export(account, out) -> None:
    """Write the ZIP to the binary file `out`: `donnees.json` (every kind of row about the
    account), the supporting documents and the photos as they were sent, and a short
    LISEZMOI.txt. A fixed number of queries, whatever the amount of data."""
    files: list[tuple[str, object]] = []
    data = {
        "export": {"generated_at": timezone.now(), "format": 1},
        "account": _account(account),
        "notifications": _notifications(account),
        "beneficiaries": _beneficiaries(account, files),
        "service_accesses": _accesses(account, files),
        "bookings": list(_bookings(account)),
        "orders": _orders(account),
        "wallet": _wallet(account),
        "card_payments": _card_payments(account),
        "regie_shares": _regie_shares(account),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LISEZMOI.txt", render_to_string("accounts/rgpd/readme.txt", {}))
        with archive.open("donnees.json", "w") as target:
            # Written as it is encoded, without one large string in memory.
            with _text(target) as text:
                json.dump(data, text, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        for name, field_file in files:
            _copy_into(archive, name, field_file)


def _text(binary):
    return io.TextIOWrapper(binary, encoding="utf-8", write_through=True)


def _copy_into(archive, name: str, field_file) -> None:
    try:
        source = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError:
        logger.warning("RGPD export: file %s is missing from storage", field_file.name)
        return
    with source, archive.open(name, "w") as target:
        shutil.copyfileobj(source, target, 64 * 1024)


def _account(account) -> dict:
    return {
        "id": account.pk,
        "email": account.email,
        "civility": account.civility,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "birth_date": account.birth_date,
        "newsletter": account.newsletter,
        "is_company": account.is_company,
        "date_joined": account.date_joined,
        "last_login": account.last_login,
        "terms_accepted_at": account.terms_accepted_at,
        "validated_at": account.validated_at,
    }


def _notifications(account) -> dict:
    return {
        "turned_off": [
            {"kind": kind, "since": since}
            for kind, since in NotificationOptOut.objects.filter(account=account)
            .order_by("kind")
            .values_list("kind", "created_at")
        ],
        "reminders_sent": [
            {"kind": kind, "period": period, "sent_at": sent_at}
            for kind, period, sent_at in SentReminder.objects.filter(account=account)
            .order_by("sent_at", "pk")
            .values_list("kind", "period", "sent_at")
        ],
    }


def _beneficiaries(account, files: list) -> list[dict]:
    rows = []
    for beneficiary in _model("reservations.Beneficiary").objects.filter(account=account):
        photo = None
        if beneficiary.photo:
            photo = f"photos/{beneficiary.pk}{PurePosixPath(beneficiary.photo.name).suffix}"
            files.append((photo, beneficiary.photo))
        rows.append(
            {
                "id": beneficiary.pk,
                "first_name": beneficiary.first_name,
                "last_name": beneficiary.last_name,
                "birth_date": beneficiary.birth_date,
                "relation": beneficiary.relation,
                "school_class": beneficiary.school_class,
                "group": beneficiary.group,
                "has_pai": beneficiary.has_pai,
                "pai_details": beneficiary.pai_details,
                "additional_information": beneficiary.additional_information,
                "photo": photo,
                "created_at": beneficiary.created_at,
                "archived_at": beneficiary.archived_at,
            }
        )
    return rows


def _accesses(account, files: list) -> list[dict]:
    AccessDocument = _model("reservations.AccessDocument")
    accesses = (
        _model("reservations.ServiceAccess")
        .objects.filter(account=account)
        .select_related("tariff_option__parent", "commune")
        .prefetch_related(
            "beneficiaries",
            "events",
            Prefetch("documents", queryset=AccessDocument.objects.order_by("uploaded_at", "pk")),
        )
        .order_by("created_at", "pk")
    )
    rows = []
    for access in accesses:
        option = access.tariff_option
        documents = []
        for document in access.documents.all():
            name = f"documents/{access.pk}/{document.pk}-{_safe_name(document)}"
            files.append((name, document.file))
            documents.append(
                {
                    "kind": document.kind,
                    "original_name": document.original_name,
                    "content_type": document.content_type,
                    "size": document.size,
                    "uploaded_at": document.uploaded_at,
                    "replaced_at": document.replaced_at,
                    "file": name,
                }
            )
        rows.append(
            {
                "id": access.pk,
                "service": option.parent.title if option.parent_id else option.title,
                "tariff_option": option.title,
                "commune": access.commune.name,
                "beneficiaries": [b.pk for b in access.beneficiaries.all()],
                "status": access.status,
                "reference_tax_income": access.reference_tax_income,
                "tax_shares": access.tax_shares,
                "family_quotient": access.family_quotient,
                "tariff_bracket": access.tariff_bracket,
                "refusal_reason": access.refusal_reason,
                "created_at": access.created_at,
                "decided_at": access.decided_at,
                "history": [
                    {"status": e.status, "message": e.message, "at": e.created_at}
                    for e in access.events.all()
                ],
                "documents": documents,
            }
        )
    return rows


def _safe_name(document) -> str:
    # The name the parent gave, made safe for a ZIP entry; the extension follows the content.
    stem = get_valid_filename(PurePosixPath(document.original_name).stem)[:80] or "piece"
    return f"{stem}{document.extension}"


def _bookings(account):
    bookings = (
        _model("reservations.Booking")
        .objects.filter(account=account)
        .select_related("service", "tariff_option", "commune")
        .order_by("date", "pk")
    )
    for booking in bookings.iterator(chunk_size=CHUNK):
        yield {
            "id": booking.pk,
            "beneficiary": booking.beneficiary_id,
            "service": booking.service.title,
            "tariff_option": booking.tariff_option.title,
            "commune": booking.commune.name,
            "date": booking.date,
            "status": booking.status,
            "unit_price": booking.unit_price,
            "price_explanation": booking.price_explanation,
            "order_number": booking.order_number,
            "booked_by_role": booking.booked_by_role,
            "created_at": booking.created_at,
            "confirmed_at": booking.confirmed_at,
            "cancelled_at": booking.cancelled_at,
            "cancelled_by_role": booking.cancelled_by_role,
            "cancellation_reason": booking.cancellation_reason,
        }


def _orders(account) -> list[dict]:
    Line = _model("order.Line")
    orders = (
        _model("order.Order")
        .objects.filter(user=account)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=Line.objects.order_by("pk").prefetch_related("attributes__option"),
            )
        )
        .order_by("date_placed", "pk")
    )
    return [
        {
            "number": order.number,
            "date_placed": order.date_placed,
            "status": order.status,
            "currency": order.currency,
            "total_incl_tax": order.total_incl_tax,
            "lines": [
                {
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price_incl_tax": line.unit_price_incl_tax,
                    "line_price_incl_tax": line.line_price_incl_tax,
                    "status": line.status,
                    "options": {
                        (a.option.code if a.option_id else a.type): a.value
                        for a in line.attributes.all()
                    },
                }
                for line in order.lines.all()
            ],
        }
        for order in orders
    ]


def _wallet(account) -> dict:
    LedgerAccount = _model("wallet.LedgerAccount")
    Leg = _model("wallet.Leg")
    pot_kinds = ["general_pot", "service_pot"]
    pots = (
        LedgerAccount.objects.filter(owner=account, kind__in=pot_kinds)
        .select_related("service", "regie")
        .order_by("pk")
    )
    legs = (
        Leg.objects.filter(account__owner=account, account__kind__in=pot_kinds)
        .select_related("transfer")
        .order_by("transfer__created_at", "pk")
    )
    return {
        "pots": [
            {
                "id": pot.pk,
                "kind": pot.kind,
                "service": pot.service.title if pot.service_id else None,
                "regie": pot.regie.name if pot.regie_id else None,
                "balance": pot.balance,
            }
            for pot in pots
        ],
        "movements": [
            {
                "pot": leg.account_id,
                "amount": leg.amount,
                "kind": leg.transfer.kind,
                "reason": leg.transfer.reason,
                "reference": leg.transfer.reference,
                "by_role": leg.transfer.actor_role,
                "at": leg.transfer.created_at,
            }
            for leg in legs.iterator(chunk_size=CHUNK)
        ],
    }


def _card_payments(account) -> list[dict]:
    payments = (
        _model("wallet.CardPayment")
        .objects.filter(owner=account)
        .select_related("regie")
        .order_by("created_at", "pk")
    )
    return [
        {
            "purpose": payment.purpose,
            "amount": payment.amount,
            "currency": payment.currency,
            "gateway": payment.gateway,
            "regie": payment.regie.name if payment.regie_id else None,
            "status": payment.status,
            "order_number": payment.order_number,
            "created_at": payment.created_at,
            "settled_at": payment.settled_at,
        }
        for payment in payments
    ]


def _regie_shares(account) -> list[dict]:
    shares = (
        _model("wallet.RegieShare")
        .objects.filter(owner=account)
        .select_related("regie")
        .order_by("created_at", "pk")
    )
    return [
        {
            "order_number": share.order_number,
            "regie": share.regie.name,
            "amount": share.amount,
            "wallet_amount": share.wallet_amount,
            "card_amount": share.card_amount,
            "status": share.status,
            "receipt_number": share.number,
            "paid_at": share.paid_at,
        }
        for share in shares
    ]


# --- Closure ----------------------------------------------------------------------------------


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
                "Votre porte-monnaie contient %(amount)s € : demandez-en le remboursement à votre "
                "mairie (la régie qui l'a encaissé) ; une fois le remboursement enregistré, vous "
                "pourrez fermer votre compte."
            )
            % {"amount": f"{balance:.2f}".replace(".", ",")}
        )
    return reasons


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
