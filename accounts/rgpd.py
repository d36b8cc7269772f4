"""A copy of everything the platform holds about an account (RGPD's right of access and
portability): `write_export` writes a ZIP of donnees.json and the files the family sent.
Closing the account is accounts/closure.py.

It sits in accounts because the account is what it is about, but it reads the rows of every app
(reservations, wallet, Oscar's orders): it reaches them through `apps.get_model`, as the domain
apps reach Oscar's, so that accounts imports nothing above it."""

import io
import json
import logging
import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import PurePosixPath

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import get_valid_filename

from .models import NotificationOptOut, SentReminder

logger = logging.getLogger(__name__)

# Rows read per database round trip while writing the export: memory stays bounded.
CHUNK = 500


def _model(label: str):
    return apps.get_model(label)


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
        "attendance": _attendance(account),
        "absence_justifications": _justifications(account, files),
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
                "diet": beneficiary.diet,
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


def _attendance(account) -> list[dict]:
    """The pointage of the family's children, as staff recorded it."""
    rows = (
        _model("reservations.Attendance")
        .objects.filter(beneficiary__account=account)
        .select_related("service")
        .order_by("date", "pk")
    )
    return [
        {
            "beneficiary": row.beneficiary_id,
            "service": row.service.title,
            "date": row.date,
            "state": row.state,
            "booking": row.booking_id,
            "recorded_at": row.recorded_at,
            "locked_at": row.locked_at,
        }
        for row in rows
    ]


def _justifications(account, files: list) -> list[dict]:
    """The absence certificates sent, their decision, and each file as it was sent."""
    rows = (
        _model("reservations.AbsenceJustification")
        .objects.filter(account=account)
        .select_related("service")
        .order_by("created_at", "pk")
    )
    exported = []
    for row in rows:
        name = f"justificatifs/{row.pk}-{_safe_name(row)}"
        files.append((name, row.file))
        exported.append(
            {
                "id": row.pk,
                "beneficiary": row.beneficiary_id,
                "service": row.service.title,
                "start_date": row.start_date,
                "end_date": row.end_date,
                "comment": row.comment,
                "file": name,
                "status": row.status,
                "reason": row.reason,
                "created_at": row.created_at,
                "reviewed_at": row.reviewed_at,
            }
        )
    return exported


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
