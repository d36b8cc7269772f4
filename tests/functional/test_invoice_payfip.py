"""An invoice paid through its régie's PayFiP (the fake PayFiP on 127.0.0.1, through
eopayment): the parent is sent to PayFiP's page for what the invoice still owes, the return
settles the invoice once and lands on "Mes factures", and PayFiP's server notification
settling it again changes nothing."""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.test import Client

from billing import payments
from billing.models import InvoiceStatus
from tests.billing_factories import issued_invoice, make_post_paid_canteen
from tests.planning_factories import make_family
from wallet import integrity
from wallet.models import CardPaymentStatus

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.fakes.payfip_fixtures"]

FORM = "application/x-www-form-urlencoded"
DAYS = [date(2026, 12, 1), date(2026, 12, 3)]


@pytest.fixture
def invoice(make_payfip_backend, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://portail.example.org"
    _service, option, _ = make_post_paid_canteen()
    family = make_family(option, children=1)
    invoice = issued_invoice(option, family.children, DAYS)
    regie = invoice.regie
    regie.backend = make_payfip_backend()
    regie.save(update_fields=["backend"])
    return invoice


def test_an_invoice_paid_on_payfip_is_settled_once_by_the_return_and_the_notification(
    invoice, fake_payfip
):
    step = payments.start_card_payment(invoice.owner, invoice.pk)
    assert step.redirect_url and step.redirect_url.startswith(fake_payfip.url)
    payment = step.payment
    assert (payment.amount, payment.regie_id) == (Decimal("6.60"), invoice.regie_id)

    fake_payfip.pay(payment.gateway_reference)
    client = Client(enforce_csrf_checks=True)
    client.force_login(invoice.owner)
    body = urlencode({"idop": payment.gateway_reference})
    returned = client.post(f"/paiement/retour/{payment.backend_id}/", body, content_type=FORM)
    assert returned.status_code == 302 and returned.url == "/espace/factures/"
    notified = Client().post(f"/api/payments/notify/{payment.backend_id}/", body, content_type=FORM)
    assert notified.status_code == 200

    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == CardPaymentStatus.SUCCEEDED
    assert (invoice.status, invoice.paid_amount) == (InvoiceStatus.PAID, Decimal("6.60"))
    assert invoice.payments.count() == 1
    assert integrity.check_ledger().ok
