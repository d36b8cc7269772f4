"""A month of a post-paid canteen scripted with the clock: two families book December 2026
(nothing debited), staff point every state, a certificate justifies an absence, the billing
run previews then issues the invoices (totals against a hand-computed table), one family pays
from its wallet, the other by SEPA direct debit (the pain.008 file valid against its schema),
whose debit is rejected; the debt threshold then refuses that family's next booking. The
ledger balances throughout."""

import os
from datetime import date, datetime
from decimal import Decimal

import pytest
import sepaxml
import time_machine
import xmlschema
from django.core.files.uploadedfile import SimpleUploadedFile

from billing import payments, runs, sepa
from billing.exceptions import BillingError
from billing.integrity import check_billing
from billing.models import Invoice, InvoiceStatus, SepaMandate
from reservations.attendance import AttendanceError, Mark, record_attendance
from reservations.exceptions import MealsRefused
from reservations.justifications import accept_justification, submit_justification
from reservations.models import AttendanceState, Booking, BookingStatus
from reservations.rules import PARIS
from shop.payment.post_paid import DebtAboveThreshold
from tests.access_factories import PDF_BYTES, use_private_root
from tests.billing_factories import (
    FAMILY_IBAN,
    book,
    make_creditor,
    make_post_paid_canteen,
    regie_of,
    set_threshold,
)
from tests.booking_factories import top_up
from tests.factories import AgentFactory, PartnerFactory
from tests.planning_factories import NOW, make_family
from wallet import integrity
from wallet.models import LedgerAccount

pytestmark = pytest.mark.django_db

PRESENT = AttendanceState.PRESENT
ABSENT = AttendanceState.ABSENT
UNBOOKED = AttendanceState.PRESENT_UNBOOKED
D1, D3, D4, D7, D8 = (date(2026, 12, day) for day in (1, 3, 4, 7, 8))
MID_MONTH = datetime(2026, 12, 20, 9, 0, tzinfo=PARIS)
AFTER_MONTH = datetime(2027, 1, 4, 9, 0, tzinfo=PARIS)

# What each family owes for December, by hand: (child, day, state, base price, amount).
FAMILY_A = [
    ("eldest", D1, "present", "3.30", "3.30"),
    ("younger", D1, "present", "2.90", "2.90"),
    ("eldest", D3, "absent", "3.30", "3.30"),  # unjustified: charged in full
    # younger, D3: absent, justified by a certificate: not on the invoice
    ("eldest", D4, "present", "3.30", "3.30"),
    ("younger", D4, "present", "2.90", "2.90"),  # nobody pointed: a booked day is due
    ("eldest", D7, "present", "3.30", "3.30"),
    ("younger", D8, "present_unbooked", "3.30", "4.95"),  # came unbooked: 150 %
]
FAMILY_B = [
    ("only", D1, "present", "3.30", "3.30"),
    ("only", D3, "present", "3.30", "3.30"),
]


def total(table) -> Decimal:
    return sum((Decimal(row[4]) for row in table), Decimal(0))


@pytest.fixture
def month(settings, monkeypatch, tmp_path):
    """The canteen, the two families with their December bookings, and an agent."""
    use_private_root(settings, monkeypatch, tmp_path / "private")
    with time_machine.travel(NOW, tick=False):
        rosieres = PartnerFactory(name="Rosières")
        service, option, _adults = make_post_paid_canteen(rosieres)
        a = make_family(option, children=2)
        b = make_family(option, children=1)
        top_up(a.parent, "25.00")
        eldest, younger = a.children
        book(a.parent, service, [(eldest, D1), (younger, D1), (eldest, D3), (younger, D3)], now=NOW)
        book(a.parent, service, [(eldest, D4), (younger, D4), (eldest, D7)], now=NOW)
        book(b.parent, service, [(b.children[0], D1), (b.children[0], D3)], now=NOW, method="card")
    agent = AgentFactory(communes=[rosieres])
    return {
        "commune": rosieres,
        "service": service,
        "regie": regie_of(service),
        "a": a,
        "b": b,
        "agent": agent,
        "children": {"eldest": eldest, "younger": younger, "only": b.children[0]},
    }


def point(m, day, marks):
    with time_machine.travel(datetime.combine(day, datetime.min.time(), PARIS).replace(hour=17)):
        record_attendance(
            m["service"],
            day,
            [Mark(m["children"][name].pk, state) for name, state in marks],
            by=m["agent"],
        )


def justify_younger_on_d3(m):
    justification = submit_justification(
        account=m["a"].parent,
        beneficiary=m["children"]["younger"],
        service=m["service"],
        start_date=D3,
        end_date=D3,
        upload=SimpleUploadedFile("certificat.pdf", PDF_BYTES, content_type="application/pdf"),
        comment="Fièvre",
    )
    accept_justification(justification, by=m["agent"])


def point_the_month(m):
    point(m, D1, [("eldest", PRESENT), ("younger", PRESENT), ("only", PRESENT)])
    point(m, D3, [("eldest", ABSENT), ("younger", ABSENT), ("only", PRESENT)])
    justify_younger_on_d3(m)
    point(m, D4, [("eldest", PRESENT)])
    point(m, D7, [("eldest", PRESENT)])
    point(m, D8, [("younger", UNBOOKED)])


def lines_of(invoice, m) -> list[tuple]:
    names = {child.pk: name for name, child in m["children"].items()}
    return [
        (names[line.beneficiary_id], line.date, line.state, str(line.base_price), str(line.amount))
        for line in invoice.lines.order_by("date", "beneficiary__birth_date", "pk")
    ]


def test_booking_a_post_paid_service_debits_nothing_and_confirms_the_bookings(month):
    a = month["a"]
    pot = LedgerAccount.objects.get(owner=a.parent, kind="general_pot")
    assert pot.balance == Decimal("25.00")
    bookings = Booking.objects.filter(account=a.parent)
    assert bookings.count() == 7
    assert set(bookings.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    assert integrity.check_ledger().ok


def test_the_month_is_invoiced_as_computed_by_hand_paid_debited_and_rejected(month):
    m = month
    point_the_month(m)

    # Preview mid-month: drafts, no number, nothing locked; the final run waits for the month.
    with time_machine.travel(MID_MONTH, tick=False):
        preview = runs.run_billing(m["regie"], 2026, 12, final=False, by=m["agent"])
        runs.run_billing(m["regie"], 2026, 12, final=False, by=m["agent"])
        with pytest.raises(BillingError, match="n'est pas terminé"):
            runs.run_billing(m["regie"], 2026, 12, final=True, by=m["agent"])
    drafts = Invoice.objects.filter(run=preview)
    assert drafts.count() == 2
    assert set(drafts.values_list("status", "number")) == {(InvoiceStatus.DRAFT, None)}

    with time_machine.travel(AFTER_MONTH, tick=False):
        runs.run_billing(m["regie"], 2026, 12, final=True, by=m["agent"])
        with pytest.raises(BillingError, match="déjà facturé"):
            runs.run_billing(m["regie"], 2026, 12, final=True, by=m["agent"])
    invoice_a = Invoice.objects.get(owner=m["a"].parent)
    invoice_b = Invoice.objects.get(owner=m["b"].parent)
    code = m["regie"].code.upper()
    assert [invoice_a.number, invoice_b.number] == [
        f"FAC-{code}-2027-000001",
        f"FAC-{code}-2027-000002",
    ]
    assert lines_of(invoice_a, m) == FAMILY_A
    assert lines_of(invoice_b, m) == FAMILY_B
    assert (invoice_a.total, invoice_b.total) == (total(FAMILY_A), total(FAMILY_B))
    assert invoice_a.total == Decimal("23.95")
    line = invoice_a.lines.get(date=D8)
    assert line.explanation == "Présent sans réservation : 150 % de 3,30\xa0€, soit 4,95\xa0€."
    # The month is locked: no pointage changes what was invoiced.
    with pytest.raises(AttendanceError, match="verrouillé"):
        point(m, D8, [("younger", ABSENT)])

    # Family A pays from its wallet (25,00 €).
    payments.pay_with_wallet(m["a"].parent, invoice_a.pk)
    invoice_a.refresh_from_db()
    assert (invoice_a.status, invoice_a.paid_amount) == (InvoiceStatus.PAID, Decimal("23.95"))
    pot = LedgerAccount.objects.get(owner=m["a"].parent, kind="general_pot")
    assert pot.balance == Decimal("1.05")

    # Family B signs a mandate; the régie's file debits it; the bank rejects the debit.
    with time_machine.travel(AFTER_MONTH, tick=False):
        mandate = sepa.sign_mandate(
            m["b"].parent,
            m["regie"],
            holder="Famille B",
            iban="FR76 3000 6000 0112 3456 7890 189",
            signed_on=date(2027, 1, 4),
        )
        make_creditor(m["regie"])
        batch = sepa.make_debit_batch(m["regie"], collection_date=date(2027, 1, 15))
    assert mandate.iban == FAMILY_IBAN and mandate.bic == "AGRIFRPPXXX"
    schema = xmlschema.XMLSchema(
        os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.008.001.02.xsd")
    )
    schema.validate(batch.xml)
    document = schema.to_dict(batch.xml)["CstmrDrctDbtInitn"]
    (info,) = document["PmtInf"]
    (debit_xml,) = info["DrctDbtTxInf"]
    assert info["PmtTpInf"]["SeqTp"] == "FRST"
    assert info["ReqdColltnDt"] == "2027-01-15"
    assert debit_xml["DrctDbtTx"]["MndtRltdInf"]["MndtId"] == mandate.rum
    assert Decimal(str(debit_xml["InstdAmt"]["$"])) == Decimal("6.60")
    assert debit_xml["DbtrAcct"]["Id"]["IBAN"] == FAMILY_IBAN
    invoice_b.refresh_from_db()
    assert invoice_b.status == InvoiceStatus.PAID
    mandate.refresh_from_db()
    assert mandate.sequence_type == "RCUR"

    (debit,) = batch.debits.all()
    sepa.record_reject(debit.pk, reason="AM04 Provision insuffisante", by=m["agent"])
    invoice_b.refresh_from_db()
    assert (invoice_b.status, invoice_b.paid_amount) == (InvoiceStatus.ISSUED, Decimal("0.00"))
    assert SepaMandate.objects.get(pk=mandate.pk).sequence_type == "FRST"

    # Family B owes 6,60 € over Rosières' 5,00 €: its next booking is refused.
    set_threshold(m["commune"], "5.00")
    january = date(2027, 1, 12)
    with time_machine.travel(AFTER_MONTH, tick=False):
        with pytest.raises(MealsRefused) as refused:
            book(m["b"].parent, m["service"], [(m["children"]["only"], january)], now=AFTER_MONTH)
        assert "« Mes factures »" in refused.value.errors[0]["error"]
        assert "6,60\xa0€" in refused.value.errors[0]["error"]
        # Family A owes nothing: it books January.
        book(m["a"].parent, m["service"], [(m["children"]["eldest"], january)], now=AFTER_MONTH)
    assert integrity.check_ledger().ok
    assert check_billing().ok, check_billing().describe()


def test_checkout_refuses_a_post_paid_basket_once_the_debt_is_over_the_threshold(month):
    m = month
    with time_machine.travel(AFTER_MONTH, tick=False):
        runs.run_billing(m["regie"], 2026, 12, final=True)
        from reservations.basket import add_meals_to_basket
        from shop.checkout import checkout

        basket = add_meals_to_basket(
            account=m["b"].parent,
            service_id=m["service"].pk,
            meals=[(m["children"]["only"].pk, date(2027, 1, 12))],
            now=AFTER_MONTH,
        )
        set_threshold(m["commune"], "5.00")
        with pytest.raises(DebtAboveThreshold, match="au-delà des 5,00\xa0€"):
            checkout(basket.pk, payer=m["b"].parent, payment_method="wallet")
    assert not Booking.objects.filter(date=date(2027, 1, 12)).exists()


def test_cancelling_a_post_paid_booking_refunds_nothing(month):
    from accounts.roles import ActorRole
    from reservations.bookings import cancel_booking

    booking = Booking.objects.filter(account=month["a"].parent, date=D7).get()
    with time_machine.travel(NOW, tick=False):
        cancel_booking(booking, by=month["a"].parent, role=ActorRole.PARENT, now=NOW)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    pots = LedgerAccount.objects.filter(owner=month["a"].parent)
    assert {pot.kind: pot.balance for pot in pots} == {"general_pot": Decimal("25.00")}
    assert integrity.check_ledger().ok
