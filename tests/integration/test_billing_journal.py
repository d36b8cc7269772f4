"""A régie's journal and reconciliation with post-paid invoices paid every way: from the
wallet (the general pot, owed by the platform régie), online, at the counter and by SEPA
direct debit, one debit rejected. Each payment is a row of the day's journal and of its CSV,
the checks all balance (check e: invoice receipts = invoiced revenue), and so does the
inter-régie statement."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing import payments, runs, sepa
from billing.integrity import check_billing
from billing.models import Invoice
from reservations.rules import PARIS
from tests.billing_factories import make_creditor, make_post_paid_canteen, regie_of
from tests.booking_factories import make_booking, top_up
from tests.planning_factories import make_family
from wallet import integrity
from wallet import payments as wallet_payments
from wallet.dashboard.regie_exports import journal_csv
from wallet.journal import Nature, Period, inter_regie_statement, journal, reconcile

pytestmark = pytest.mark.django_db

DAYS = [date(2026, 12, 1), date(2026, 12, 3)]


@pytest.fixture
def invoices():
    service, option, _ = make_post_paid_canteen()
    families = [make_family(option, children=1) for _ in range(4)]
    for family in families:
        for day in DAYS:
            make_booking(family.children[0], service=service, tariff_option=option, day=day)
    regie = regie_of(service)
    with time_machine.travel(datetime(2027, 1, 4, 9, 0, tzinfo=PARIS), tick=False):
        runs.run_billing(regie, 2026, 12, final=True)
    return regie, [Invoice.objects.get(owner=f.parent) for f in families]


def test_every_way_of_paying_an_invoice_is_journaled_and_the_regie_reconciles(invoices, client):
    regie, (by_wallet, online, at_counter, debited) = invoices
    top_up(by_wallet.owner, "10.00")
    payments.pay_with_wallet(by_wallet.owner, by_wallet.pk)
    step = payments.start_card_payment(online.owner, online.pk)
    wallet_payments.confirm_card_payment(online.owner, step.payment.pk)
    payments.record_counter_payment(
        at_counter.pk, method="cash", amount=Decimal("6.60"), agent=None
    )
    sepa.sign_mandate(
        debited.owner,
        regie,
        holder="Famille",
        iban="FR7630006000011234567890189",
        signed_on=timezone.localdate(),
    )
    make_creditor(regie)
    batch = sepa.make_debit_batch(
        regie, collection_date=date.fromordinal(timezone.localdate().toordinal() + 5)
    )
    sepa.record_reject(batch.debits.get().pk, reason="AM04")

    period = Period.day(timezone.localdate())
    day = journal(regie, period)
    natures = sorted((row.nature, row.amount) for row in day.rows)
    assert natures == sorted(
        [
            (Nature.INVOICE_WALLET, Decimal("6.60")),
            (Nature.INVOICE_CARD, Decimal("6.60")),
            (Nature.INVOICE_COUNTER, Decimal("6.60")),
            (Nature.DIRECT_DEBIT, Decimal("6.60")),
            (Nature.DEBIT_REJECT, Decimal("-6.60")),
        ]
    )
    totals = day.totals
    assert (totals.invoice_receipts, totals.invoiced_revenue) == (
        Decimal("19.80"),
        Decimal("19.80"),
    )
    csv = journal_csv(day).content.decode("utf-8-sig")
    assert "Facture payée au guichet" in csv and "Rejet d'un prélèvement SEPA" in csv

    reconciliation = reconcile(regie, period)
    assert reconciliation.balances, [
        (c.code, c.left, c.right) for c in reconciliation.checks if not c.ok
    ]
    assert {c.code for c in reconciliation.checks} >= {"a1", "a2", "b", "c1", "e"}
    assert inter_regie_statement(period).balances
    assert integrity.check_ledger().ok
    assert check_billing().ok, check_billing().describe()


def test_billing_integrity_reports_an_invoice_whose_paid_amount_is_not_its_payments(invoices):
    _regie, (invoice, *_others) = invoices
    top_up(invoice.owner, "10.00")
    payments.pay_with_wallet(invoice.owner, invoice.pk)
    Invoice.objects.filter(pk=invoice.pk).update(paid_amount=Decimal("5.00"), total=Decimal("7.00"))

    report = check_billing()
    assert {(p.invoice_id, p.what) for p in report.problems} == {
        (invoice.pk, "total"),
        (invoice.pk, "paid amount"),
    }
    assert "paid amount is 5.00, expected 6.60" in report.describe()


def test_the_hourly_task_mails_the_administrators_an_inconsistent_invoice(
    invoices, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    from billing.tasks import check_billing_integrity
    from config.celery import app

    assert (
        settings.CELERY_BEAT_SCHEDULE["billing-integrity-check"]["task"]
        == check_billing_integrity.name
        == "billing.tasks.check_billing_integrity"
    )
    assert check_billing_integrity.name in app.tasks  # found by the worker's autodiscovery
    settings.ADMINS = [("Exploitation", "exploitation@example.org")]
    assert check_billing_integrity() == 0
    assert mail.outbox == []

    _regie, (invoice, *_others) = invoices
    Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("7.00"))
    with django_capture_on_commit_callbacks(execute=True):  # e-mails leave after the commit
        assert check_billing_integrity() == 1
    (message,) = mail.outbox
    assert "Facturation" in message.subject
    assert f"invoice {invoice.pk}: total is 7.00, expected 6.60" in message.body
