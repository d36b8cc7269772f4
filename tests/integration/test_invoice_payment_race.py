"""Real threads on PostgreSQL paying the same invoice at once (a double click, the counter
and the parent together): it is paid once, never beyond its total, and the ledger balances."""

from datetime import date
from decimal import Decimal

import pytest

from billing import payments
from billing.exceptions import BillingError
from billing.models import InvoicePayment, InvoiceStatus
from tests.billing_factories import issued_invoice, make_post_paid_canteen
from tests.booking_factories import top_up
from tests.integration.test_wallet_concurrency import run_in_threads
from tests.planning_factories import make_family
from wallet import integrity

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 6


def test_an_invoice_paid_from_the_wallet_and_at_the_counter_at_once_is_paid_once():
    _service, option, _ = make_post_paid_canteen()
    family = make_family(option, children=1)
    invoice = issued_invoice(option, family.children, [date(2026, 12, 1), date(2026, 12, 3)])
    top_up(family.parent, "50.00")

    def pay(index):
        if index % 2:
            payments.pay_with_wallet(family.parent, invoice.pk)
        else:
            payments.record_counter_payment(
                invoice.pk, method="cash", amount=Decimal("6.60"), agent=None
            )

    outcomes = run_in_threads(THREADS, pay)

    assert outcomes.count("ok") == 1, outcomes
    assert all(isinstance(o, BillingError) for o in outcomes if o != "ok")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == (InvoiceStatus.PAID, Decimal("6.60"))
    assert InvoicePayment.objects.count() == 1
    assert integrity.check_ledger().ok
