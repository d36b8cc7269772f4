"""/api/invoices/: a family lists its issued invoices (never drafts), reads one with its lines
and how each was computed, downloads its PDF, pays it from the wallet or online through the
régie's backend (the offline test gateway here), and signs a SEPA mandate with its IBAN
checked. Another family's invoice is a 404 on every route."""

from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest

from billing.models import Invoice, InvoiceStatus
from tests.billing_factories import issued_invoice, make_post_paid_canteen
from tests.booking_factories import top_up
from tests.factories import ParentFactory
from tests.planning_factories import make_family
from wallet import integrity
from wallet.models import CardPayment

pytestmark = pytest.mark.django_db

DAYS = [date(2026, 12, 1), date(2026, 12, 3)]


@pytest.fixture
def canteen():
    return make_post_paid_canteen()


@pytest.fixture
def family(canteen):
    _service, option, _ = canteen
    return make_family(option, children=1)


@pytest.fixture
def invoice(family):
    return issued_invoice(family.access.tariff_option, family.children, DAYS)


@pytest.fixture
def other_invoice(canteen, invoice):
    _service, option, _ = canteen
    other = make_family(option, children=1)
    Invoice.objects.filter(owner=other.parent).delete()
    return invoice, other


def test_a_family_lists_its_issued_invoices_with_what_it_still_owes(client, family, invoice):
    client.force_login(family.parent)
    (listed,) = client.get("/api/invoices/").json()["results"]
    assert listed["number"] == invoice.number
    assert (listed["total"], listed["balance_due"], listed["status"]) == ("6.60", "6.60", "issued")
    assert listed["pdf_url"] == f"/api/invoices/{invoice.pk}/pdf/"


def test_an_invoice_reads_with_each_line_and_how_its_amount_was_computed(client, family, invoice):
    client.force_login(family.parent)
    detail = client.get(f"/api/invoices/{invoice.pk}/").json()
    assert [(line["date"], line["amount"], line["state"]) for line in detail["lines"]] == [
        ("2026-12-01", "3.30", "present"),
        ("2026-12-03", "3.30", "present"),
    ]
    assert detail["lines"][0]["explanation"] == "Présent : prix du jour, 3,30\xa0€."
    assert detail["payments"] == []


def test_another_familys_invoice_is_missing_on_every_route(client, family, invoice):
    stranger = ParentFactory()
    client.force_login(stranger)
    assert client.get("/api/invoices/").json()["results"] == []
    assert client.get(f"/api/invoices/{invoice.pk}/").status_code == 404
    assert client.get(f"/api/invoices/{invoice.pk}/pdf/").status_code == 404
    response = client.post(
        f"/api/invoices/{invoice.pk}/pay/", {"method": "wallet"}, content_type="application/json"
    )
    assert response.status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_a_draft_is_never_shown_to_the_family(client, family, invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.DRAFT, number=None)
    client.force_login(family.parent)
    assert client.get("/api/invoices/").json()["results"] == []
    assert client.get(f"/api/invoices/{invoice.pk}/").status_code == 404


def test_the_pdf_downloads_named_after_the_invoice_number(client, family, invoice):
    client.force_login(family.parent)
    response = client.get(f"/api/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"{invoice.number}.pdf" in unquote(response["Content-Disposition"])
    assert response["Cache-Control"] == "private, no-store"


def test_paying_from_the_wallet_settles_the_invoice_and_the_ledger_balances(
    client, family, invoice
):
    top_up(family.parent, "10.00")
    client.force_login(family.parent)
    response = client.post(
        f"/api/invoices/{invoice.pk}/pay/", {"method": "wallet"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["balance_due"]) == ("paid", "0.00")
    assert [(p["method"], p["amount"]) for p in body["payments"]] == [("wallet", "6.60")]
    again = client.post(
        f"/api/invoices/{invoice.pk}/pay/", {"method": "wallet"}, content_type="application/json"
    )
    assert again.status_code == 400
    assert "déjà payée" in again.json()["detail"][0]
    assert integrity.check_ledger().ok


def test_a_wallet_short_of_money_pays_nothing_and_says_what_is_missing(client, family, invoice):
    top_up(family.parent, "5.00")
    client.force_login(family.parent)
    response = client.post(
        f"/api/invoices/{invoice.pk}/pay/", {"method": "wallet"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == [
        "Votre porte-monnaie ne suffit pas : il manque 1,60\xa0€. Rechargez-le ou payez par carte."
    ]
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("0.00")


def test_paying_online_goes_through_the_regies_backend_then_settles_once(client, family, invoice):
    client.force_login(family.parent)
    started = client.post(
        f"/api/invoices/{invoice.pk}/pay/", {"method": "card"}, content_type="application/json"
    )
    assert started.status_code == 201
    step = started.json()
    assert (step["amount"], step["is_test"]) == ("6.60", True)
    payment = CardPayment.objects.get(pk=step["payment_id"])
    assert (payment.purpose, payment.regie_id) == ("invoice", invoice.regie_id)

    for _attempt in range(2):
        confirmed = client.post(
            f"/api/invoices/{invoice.pk}/pay/confirm/",
            {"payment_id": payment.pk},
            content_type="application/json",
        )
        assert confirmed.status_code == 200
    body = confirmed.json()
    assert body["status"] == "paid"
    assert [(p["method"], p["amount"]) for p in body["payments"]] == [("card", "6.60")]
    assert integrity.check_ledger().ok


def test_a_mandate_is_signed_with_its_iban_checked(client, family, invoice):
    client.force_login(family.parent)
    refused = client.post(
        "/api/invoices/mandates/",
        {"regie": invoice.regie_id, "holder": "Famille", "iban": "FR7630006000011234567890188"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "IBAN n'est pas valide" in refused.json()["iban"][0]
    signed = client.post(
        "/api/invoices/mandates/",
        {"regie": invoice.regie_id, "holder": "Famille", "iban": "FR7630006000011234567890189"},
        content_type="application/json",
    )
    assert signed.status_code == 201
    mandate = signed.json()
    assert mandate["iban"] == "FR76 **** **** 0189"
    assert (mandate["bic"], mandate["sequence_type"]) == ("AGRIFRPPXXX", "FRST")
    assert mandate["rum"].startswith("RUM-")
    assert [m["rum"] for m in client.get("/api/invoices/mandates/").json()] == [mandate["rum"]]


def test_a_mandate_for_a_regie_that_never_invoiced_the_family_is_refused(client, family):
    client.force_login(family.parent)
    response = client.post(
        "/api/invoices/mandates/",
        {"regie": 999999, "holder": "Famille", "iban": "FR7630006000011234567890189"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "regie" in response.json()
