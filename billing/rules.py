"""Billing's pure rules: what a month's attendance puts on each family's invoice, how a
payment is shared between an invoice's services, an invoice's status, the debt threshold, the
SEPA mandate's reference and sequence, IBAN and BIC. No ORM; the clock and the data are passed
in (services.py reads and writes)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import schwifty
from django.utils.translation import gettext as _

from reservations.attendance_pricing import (
    ABSENT_JUSTIFIED,
    DEFAULT_MODIFIERS,
    AttendanceModifiers,
    price_for_attendance,
)
from wallet.money import euros

ZERO = Decimal("0.00")
# Days a family has to pay an invoice once issued.
PAYMENT_TERM_DAYS = 30


# --- Invoices from attendance --------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """One billable day: who, which service, the state pointed and the day's base price (as
    the booking froze it, or as the grid prices a presence without booking)."""

    owner_id: int
    beneficiary_id: int
    service_id: int
    commune_id: int
    date: date
    state: str
    base_price: Decimal
    price_explanation: dict = field(default_factory=dict)
    attendance_id: int | None = None
    booking_id: int | None = None


@dataclass(frozen=True)
class DraftLine:
    day: Day
    amount: Decimal
    explanation: str


@dataclass
class DraftInvoice:
    owner_id: int
    lines: list[DraftLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    def by_service(self) -> dict[int, Decimal]:
        totals = defaultdict(lambda: ZERO)
        for line in self.lines:
            totals[line.day.service_id] += line.amount
        return dict(totals)


def draft_invoices(
    days: list[Day], modifiers: dict[int, AttendanceModifiers]
) -> list[DraftInvoice]:
    """One draft per family, by owner id, its lines by date and beneficiary. A justified
    absence that costs nothing is left off the invoice (the certificate removes the day); any
    other day is on it, even at 0 € (a free tariff), so the family sees what was counted."""
    invoices: dict[int, DraftInvoice] = {}
    for day in sorted(days, key=lambda d: (d.owner_id, d.date, d.beneficiary_id, d.service_id)):
        price = price_for_attendance(
            day.base_price, day.state, modifiers.get(day.service_id, DEFAULT_MODIFIERS)
        )
        if day.state == ABSENT_JUSTIFIED and price.amount == 0:
            continue
        invoice = invoices.setdefault(day.owner_id, DraftInvoice(day.owner_id))
        invoice.lines.append(DraftLine(day, price.amount, price.explanation))
    return [invoices[owner_id] for owner_id in sorted(invoices)]


def due_date(issued_on: date) -> date:
    return issued_on + timedelta(days=PAYMENT_TERM_DAYS)


# --- Payments ------------------------------------------------------------------------------


def invoice_status(total: Decimal, paid: Decimal) -> str:
    if paid <= 0:
        return "issued"
    return "paid" if paid >= total else "partly_paid"


def allocate_payment(outstanding: dict[int, Decimal], amount: Decimal) -> dict[int, Decimal]:
    """What `amount` pays of each service's outstanding part of an invoice, services in id
    order (a partial payment settles the first ones first). Raises ValueError when `amount`
    is not positive or exceeds what is outstanding."""
    if amount <= 0:
        raise ValueError("A payment is a positive amount.")
    if amount > sum(outstanding.values(), ZERO):
        raise ValueError("A payment never exceeds what the invoice still owes.")
    shares, left = {}, amount
    for service_id in sorted(outstanding):
        part = min(outstanding[service_id], left)
        if part > 0:
            shares[service_id] = part
            left -= part
    return shares


def outstanding_by_service(
    lines_by_service: dict[int, Decimal], paid_by_service: list[dict]
) -> dict[int, Decimal]:
    """Each service's part of an invoice still owed: its lines less what payments credited it
    (`paid_by_service`: each standing payment's {service id: amount}, keys as JSON strings)."""
    left = dict(lines_by_service)
    for payment in paid_by_service:
        for service_id, paid in payment.items():
            left[int(service_id)] = left.get(int(service_id), ZERO) - Decimal(paid)
    return {sid: amount for sid, amount in left.items() if amount > 0}


# --- Debt threshold ------------------------------------------------------------------------


def debt_refusal(unpaid: Decimal, threshold: Decimal | None, commune_name: str) -> str | None:
    """The French refusal of a post-paid booking when the family's unpaid invoices exceed
    what the commune tolerates, or None (no threshold set: no limit)."""
    if threshold is None or unpaid <= threshold:
        return None
    return _(
        "Vos factures impayées auprès de %(commune)s s'élèvent à %(unpaid)s, au-delà des "
        "%(threshold)s tolérés : réglez-les dans « Mes factures » avant de réserver ce service."
    ) % {"commune": commune_name, "unpaid": euros(unpaid), "threshold": euros(threshold)}


# --- SEPA ----------------------------------------------------------------------------------


class BankDetailsError(ValueError):
    """An IBAN or BIC that does not check, with the French message for the form."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(message)


def checked_bank_details(iban: str, bic: str = "") -> tuple[str, str]:
    """The IBAN (compact) and BIC checked by schwifty; the BIC is the one the IBAN's bank code
    gives when left blank. Raises BankDetailsError."""
    try:
        checked = schwifty.IBAN(iban)
    except ValueError:
        raise BankDetailsError(
            "iban", _("Cet IBAN n'est pas valide : vérifiez-le sur votre relevé d'identité.")
        ) from None
    if bic:
        try:
            checked_bic = schwifty.BIC(bic)
        except ValueError:
            message = _("Ce BIC n'est pas valide (8 ou 11 caractères).")
            raise BankDetailsError("bic", message) from None
    else:
        checked_bic = checked.bic
        if checked_bic is None:
            raise BankDetailsError("bic", _("Indiquez le BIC de votre banque."))
    return checked.compact, str(checked_bic.compact)


def mandate_reference(regie_code: str, signed_on: date, number: int) -> str:
    """The RUM: at most 35 characters, letters, digits and hyphens, unique to the creditor."""
    code = "".join(ch for ch in regie_code.upper() if ch.isalnum())[:12]
    return f"RUM-{code}-{signed_on:%Y%m%d}-{number:08d}"[:35]


def debit_sequence(mandate_sequence: str) -> str:
    """FRST for a mandate never collected, then RCUR (pain.008 SeqTp)."""
    return "RCUR" if mandate_sequence == "RCUR" else "FRST"


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())
