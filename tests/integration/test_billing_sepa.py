"""A mandate's first SEPA file: a family owing two months is debited twice in one pain.008
file, both first debits (FRST: a mandate has one sequence within a file), then recurring
(RCUR) in the next file; a régie without a creditor identifier, or with nothing to debit, is
refused in French."""

import os
from datetime import date, datetime

import pytest
import sepaxml
import time_machine
import xmlschema

from billing import runs, sepa
from billing.exceptions import BillingError
from billing.models import Invoice
from reservations.rules import PARIS
from tests.billing_factories import make_creditor, make_post_paid_canteen, regie_of
from tests.booking_factories import make_booking
from tests.planning_factories import make_family
from wallet import integrity

pytestmark = pytest.mark.django_db

SCHEMA = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.008.001.02.xsd")


def sequences(xml) -> list[str]:
    document = xmlschema.XMLSchema(SCHEMA).to_dict(xml)["CstmrDrctDbtInitn"]
    return [
        info["PmtTpInf"]["SeqTp"] for info in document["PmtInf"] for _debit in info["DrctDbtTxInf"]
    ]


def test_a_new_mandate_is_debited_first_for_every_invoice_of_its_first_file_then_recurring():
    service, option, _ = make_post_paid_canteen()
    family = make_family(option, children=1)
    child = family.children[0]
    regie = regie_of(service)
    for day in (date(2026, 11, 3), date(2026, 12, 1)):
        make_booking(child, service=service, tariff_option=option, day=day)
    with time_machine.travel(datetime(2027, 1, 4, 9, 0, tzinfo=PARIS), tick=False):
        with pytest.raises(BillingError, match="identifiant créancier"):
            sepa.make_debit_batch(regie, collection_date=date(2027, 1, 15))
        make_creditor(regie)
        runs.run_billing(regie, 2026, 11, final=True)
        runs.run_billing(regie, 2026, 12, final=True)
        mandate = sepa.sign_mandate(
            family.parent,
            regie,
            holder="Famille",
            iban="FR7630006000011234567890189",
            signed_on=date(2027, 1, 4),
        )
        first = sepa.make_debit_batch(regie, collection_date=date(2027, 1, 15))
        with pytest.raises(BillingError, match="Aucune facture à prélever"):
            sepa.make_debit_batch(regie, collection_date=date(2027, 1, 16))
    xmlschema.XMLSchema(SCHEMA).validate(first.xml)
    assert sequences(first.xml) == ["FRST", "FRST"]
    mandate.refresh_from_db()
    assert mandate.sequence_type == "RCUR"

    # The bank rejects the December debit: the next file debits it as recurring.
    december = first.debits.get(invoice__period=date(2026, 12, 1))
    sepa.record_reject(december.pk, reason="AM04")
    with time_machine.travel(datetime(2027, 1, 20, 9, 0, tzinfo=PARIS), tick=False):
        second = sepa.make_debit_batch(regie, collection_date=date(2027, 2, 1))
    assert sequences(second.xml) == ["RCUR"]
    assert Invoice.objects.filter(status="paid").count() == 2
    assert integrity.check_ledger().ok
