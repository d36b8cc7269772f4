"""The régisseur's CSV of a régie's invoices (French Excel, as the journal's: `;`, decimal
comma, UTF-8 with a byte-order mark): each invoice with what paid it and what it still owes."""

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from wallet.dashboard.regie_exports import _Csv

ZERO = Decimal("0.00")


def invoices_csv(regie, invoices) -> object:
    csv = _Csv(f"factures-{regie.code}.csv")
    csv.row(
        _("Numéro"),
        _("Mois"),
        _("Famille"),
        _("E-mail"),
        _("État"),
        _("Montant"),
        _("Porte-monnaie"),
        _("En ligne"),
        _("Guichet"),
        _("Prélèvement"),
        _("Reste dû"),
    )
    for invoice in invoices.prefetch_related("payments"):
        paid = defaultdict(lambda: ZERO)
        for payment in invoice.payments.all():
            if payment.rejected_at is None:
                counter = payment.method in ("cash", "cheque", "cesu")
                paid["counter" if counter else payment.method] += payment.amount
        owner = invoice.owner
        csv.row(
            invoice.number or _("brouillon"),
            f"{invoice.period:%m/%Y}",
            owner.get_full_name() or owner.email,
            owner.email,
            invoice.get_status_display(),
            invoice.total,
            paid["wallet"],
            paid["card"],
            paid["counter"],
            paid["direct_debit"],
            invoice.balance_due,
        )
    return csv.response
