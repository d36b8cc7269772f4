"""Quittances: the PDF receipt a régie gives for one paid share of an order (RegieShare).

A receipt is read once into a `Receipt` (plain values, a bounded number of queries whatever the
number of lines), then rendered from templates/receipts/receipt.html by weasyprint. It lists
the order's lines the checkout froze on the share, at the unit price frozen on each
line, and how the share was paid. It lives in shop/ because it reads Oscar's orders, which the
wallet (where régies live) may not import.

Rendering fetches nothing from the network: the template has no external URL, its style is
inline, and the URL fetcher refuses everything but `data:` URLs (a name typed by a family can
never make the server call out)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from reservations.bookings import meal_lines
from reservations.models import Beneficiary
from wallet.models import BackendKind, RegieShare

Order = get_model("order", "Order")
Line = get_model("order", "Line")

TEMPLATE = "receipts/receipt.html"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ReceiptLine:
    """One meal (or other line) the share paid for, at the price frozen when it was booked."""

    beneficiary: str
    service: str
    option: str
    date: date | None
    unit_price: Decimal
    quantity: int
    explanation: str
    bracket: str

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class ReceiptPayment:
    """How part of the share was paid: "Porte-monnaie", "PayFiP (carte bancaire)" …"""

    method: str
    amount: Decimal


@dataclass(frozen=True)
class Receipt:
    share_id: int
    number: str
    regie: str
    regie_code: str
    commune: str
    territory: str
    payer: str
    payer_email: str
    order_number: str
    paid_at: datetime | None
    lines: tuple[ReceiptLine, ...]
    total: Decimal
    payments: tuple[ReceiptPayment, ...]

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


def receipt_of(share: RegieShare) -> Receipt:
    """The receipt of a paid, numbered share (the selectors return only those): about five
    queries, the same for one line or a hundred."""
    if not share.number:
        raise ValueError("Only a paid, numbered share has a receipt.")
    regie = share.regie
    owner = share.owner
    return Receipt(
        share_id=share.pk,
        number=share.number,
        regie=regie.name,
        regie_code=regie.code,
        commune=regie.commune.name if regie.commune_id else "",
        territory=_territory_name(regie),
        payer=owner.get_full_name() or owner.email,
        payer_email=owner.email,
        order_number=share.order_number,
        paid_at=share.paid_at,
        lines=tuple(_lines_of(share)),
        total=share.amount,
        payments=tuple(_payments_of(share)),
    )


def render_html(receipt: Receipt, language: str | None = None) -> str:
    """The receipt's HTML, in `language` (the active one by default)."""
    with translation.override(language or translation.get_language()):
        return render_to_string(TEMPLATE, {"receipt": receipt})


def render_pdf(receipt: Receipt, language: str | None = None) -> bytes:
    """The receipt as PDF bytes."""
    return _document(render_html(receipt, language)).write_pdf()


def render_document(receipt: Receipt, language: str | None = None):
    """weasyprint's laid-out document (pages and boxes): what the PDF will show."""
    return _document(render_html(receipt, language)).render()


def pdf_response(receipt: Receipt) -> HttpResponse:
    """The receipt as a download named after its number, kept by no cache (personal data)."""
    response = HttpResponse(render_pdf(receipt), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=receipt.filename
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _document(html: str):
    # weasyprint takes 0.4 s to import: loaded with the first receipt, not with the URLconf.
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=_local_only_fetcher())


def _local_only_fetcher():
    """A fetcher that refuses every URL but inline `data:` ones: a receipt fetches nothing."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                raise ValueError(f"A receipt fetches no resource: {url[:80]}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher()


# --- Reading ---------------------------------------------------------------------------------


def _territory_name(regie) -> str:
    site = regie.site if regie.site_id else None
    if site is None:
        return ""
    return site.site_name or site.hostname


def _lines_of(share: RegieShare) -> list[ReceiptLine]:
    """The order's lines the share pays, in order (3 queries, plus one for the beneficiaries'
    names)."""
    order = (
        Order.objects.filter(number=share.order_number)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=Line.objects.select_related("product__parent")
                .prefetch_related("attributes")
                .order_by("pk"),
            )
        )
        .first()
    )
    if order is None:
        return []
    # The lines the checkout froze on the share: a service moved to another régie since
    # leaves its paid receipts as they were.
    frozen = set(share.order_line_ids)
    mine = [line for line in order.lines.all() if line.pk in frozen]
    meals = {meal.line_id: meal for meal in meal_lines(order)}
    names = {
        pk: f"{first} {last}".strip()
        for pk, first, last in Beneficiary.objects.filter(
            pk__in={meals[line.pk].beneficiary_id for line in mine if line.pk in meals}
        ).values_list("pk", "first_name", "last_name")
    }
    return [_receipt_line(line, meals.get(line.pk), names) for line in mine]


def _receipt_line(line, meal, names) -> ReceiptLine:
    product = line.product
    is_option = product is not None and product.parent_id is not None
    explanation = (meal.price_explanation or {}) if meal else {}
    unit_price = meal.unit_price if meal and meal.unit_price is not None else None
    return ReceiptLine(
        beneficiary=names.get(meal.beneficiary_id, "") if meal else "",
        service=product.parent.title if is_option else line.title,
        option=product.title if is_option else "",
        date=meal.date if meal else None,
        unit_price=unit_price if unit_price is not None else line.unit_price_incl_tax,
        quantity=line.quantity,
        explanation=str(explanation.get("explanation_fr") or ""),
        bracket=str(explanation.get("bracket_label") or ""),
    )


def _payments_of(share: RegieShare) -> list[ReceiptPayment]:
    payments = []
    if share.wallet_amount > ZERO:
        payments.append(ReceiptPayment(_("Porte-monnaie"), share.wallet_amount))
    if share.card_amount > ZERO:
        payments.append(ReceiptPayment(card_method(share.card_payment), share.card_amount))
    return payments


def card_method(card_payment) -> str:
    """How the parent paid by card, as a receipt says it: the backend account's kind."""
    backend = card_payment.backend if card_payment and card_payment.backend_id else None
    kind = backend.kind if backend else (card_payment.gateway if card_payment else "")
    labels = {
        BackendKind.PAYFIP: _("PayFiP (carte bancaire)"),
        BackendKind.STRIPE: _("Carte bancaire"),
        BackendKind.PAYBOX: _("Carte bancaire (Paybox)"),
        BackendKind.SYSTEMPAY: _("Carte bancaire (Systempay)"),
        BackendKind.OFFLINE: _("Paiement de test (aucun débit réel)"),
    }
    return labels.get(kind, _("Carte bancaire"))
