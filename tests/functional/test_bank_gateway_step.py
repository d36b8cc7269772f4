"""A régie on a bank gateway (Paybox here, through eopayment): its card step is a signed form the
parent's browser posts to the bank's page, and only that page may receive it (the page's
Content-Security-Policy). No bank server is reached: eopayment builds and signs the form here; the
bank's answer (signed with the bank's private key) is not covered."""

import re

import pytest
from django.test import Client

from tests.factories import ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import checkout, fill_basket
from tests.shop_data import make_service
from wallet.models import BackendKind, CardPayment, PaymentBackendAccount, Regie

pytestmark = pytest.mark.django_db

# Paybox's public test account (its documentation's), on its pre-production platform.
PAYBOX_TEST = {
    "platform": "test",
    "site": "1999888",
    "rang": "32",
    "identifiant": "107904482",
}
HMAC_KEY = "0123456789ABCDEF" * 8


@pytest.fixture
def paybox_regie(settings):
    settings.PAYBOX_TEST_SECRETS = {"shared_secret": HMAC_KEY}
    commune = PartnerFactory(name="Bains")
    backend = PaymentBackendAccount.objects.create(
        name="Paybox de Bains",
        kind=BackendKind.PAYBOX,
        options=PAYBOX_TEST,
        secret_setting="PAYBOX_TEST_SECRETS",
    )
    regie = Regie.objects.create(name="Régie cantine de Bains", code="bains", commune=commune,
                                 backend=backend)  # fmt: skip
    service, (meal,) = make_service(commune, "Cantine de Bains", {"Repas": "3.20"})
    return regie, meal


def test_a_bank_gateway_step_is_a_signed_form_posted_to_the_banks_page_only(paybox_regie):
    _, meal = paybox_regie
    parent = ParentFactory()
    client = Client()
    client.force_login(parent)
    basket = fill_basket(parent, meal)

    answer = checkout(client, basket, "card", total="3.20")

    assert answer.status_code == 200, answer.content
    (step,) = answer.json()["payment"]["steps"]
    assert step["card"]["gateway"] == "paybox"
    number = answer.json()["number"]
    page = client.get(f"/espace/commandes/{number}/paiement/")
    html = page.content.decode()
    action = re.search(r'<form method="POST" action="([^"]+)"', html)[1]
    assert action.startswith("https://preprod-tpeweb.paybox.com/")
    fields = dict(re.findall(r'<input type="hidden" name="(PBX_\w+)" value="([^"]*)"', html))
    assert fields["PBX_TOTAL"] == "320"  # in cents
    assert fields["PBX_SITE"] == PAYBOX_TEST["site"]
    assert fields["PBX_HMAC"]  # signed with the account's key, read from its secret setting
    assert "Payer 3,20" in html
    # The page's policy lets its form post to the bank, and nowhere else outside the site.
    policy = page.headers["Content-Security-Policy"]
    form_action = re.search(r"form-action ([^;]+)", policy)[1].split()
    assert form_action == ["'self'", "https://preprod-tpeweb.paybox.com"]

    # The form is given once by the bank: the next visit asks for a new one, on the same step.
    first = CardPayment.objects.get(order_number=number).gateway_reference
    client.get(f"/espace/commandes/{number}/paiement/")
    assert CardPayment.objects.get(order_number=number).gateway_reference != first
