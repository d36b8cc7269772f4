"""The régie screens' CSV files, for a French Excel: `;` between cells, a decimal comma,
UTF-8 with a byte-order mark, one header row, amounts to the cent. Text cells (a family's name,
a reference) cannot become formulas; amounts are written as numbers, so that they add up."""

from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _

from reservations.exports import neutralise_formula

from ..journal import Journal, Reconciliation, Statement

CENT = Decimal("0.01")


def amount_cell(amount: Decimal) -> str:
    """ "1234,50", "-3,30": a number Excel reads in a French locale."""
    return f"{amount.quantize(CENT):.2f}".replace(".", ",")


class _Csv:
    def __init__(self, filename: str):
        self.response = HttpResponse(content_type="text/csv; charset=utf-8")
        self.response["Content-Disposition"] = f'attachment; filename="{filename}"'
        self.response.write("\ufeff")

    def row(self, *cells):
        written = []
        for cell in cells:
            if isinstance(cell, Decimal):
                written.append(amount_cell(cell))
            else:
                text = neutralise_formula(cell)
                if any(c in text for c in ';"\n\r'):
                    text = '"' + text.replace('"', '""') + '"'
                written.append(text)
        self.response.write(";".join(written) + "\r\n")


def journal_csv(journal: Journal) -> HttpResponse:
    period = journal.period
    csv = _Csv(f"journal-{journal.regie.code}-{period.start:%Y-%m-%d}.csv")
    csv.row(
        _("Date"),
        _("Heure"),
        _("Nature"),
        _("Référence"),
        _("N° de quittance"),
        _("Famille"),
        _("Mode de paiement"),
        _("Montant"),
        _("Par"),
        _("Rôle"),
    )
    for row in journal.rows:
        at = row.local_at
        csv.row(
            f"{at:%d/%m/%Y}",
            f"{at:%H:%M:%S}",
            row.nature_label,
            row.reference,
            row.receipt_number,
            row.family,
            row.method,
            row.amount,
            row.actor,
            row.actor_role,
        )
    return csv.response


def reconciliation_csv(reconciliation: Reconciliation) -> HttpResponse:
    period = reconciliation.period
    csv = _Csv(
        f"rapprochement-{reconciliation.regie.code}-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.csv"
    )
    csv.row(
        _("Contrôle"),
        _("Intitulé"),
        _("Premier montant"),
        _("Montant"),
        _("Second montant"),
        _("Montant"),
        _("Écart"),
        _("Résultat"),
    )
    for check in reconciliation.checks:
        verdict = _("Non fait") if check.skipped else (_("Juste") if check.ok else _("Écart"))
        csv.row(
            check.code,
            str(check.label),
            str(check.left_label),
            check.left,
            str(check.right_label),
            check.right,
            check.difference,
            verdict,
        )
    for label, amount in reconciliation.totals.lines():
        csv.row(_("Total"), str(label), "", amount, "", "", "", "")
    return csv.response


def statement_csv(statement: Statement) -> HttpResponse:
    period = statement.period
    csv = _Csv(f"releve-inter-regies-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.csv")
    csv.row(
        _("Régie qui doit (plateforme)"),
        _("Régie à qui est dû"),
        _("Dépenses du porte-monnaie tous services"),
        _("Rendus (commandes annulées)"),
        _("Montant dû"),
    )
    for line in statement.lines:
        csv.row(line.platform.name, line.regie.name, line.spent, line.returned, line.owed)
    csv.row(_("Total"), "", "", "", statement.total)
    return csv.response
