"""Billing in the Django admin: an administrator sets a régie's SEPA creditor (a wrong IBAN
refused, a good one stored compact with its BIC) and a commune's debt threshold; invoices
are read-only."""

from datetime import date

import pytest

from billing.models import DebtThreshold, SepaCreditor
from tests.billing_factories import issued_invoice, make_post_paid_canteen, regie_of
from tests.factories import AdministratorFactory
from tests.planning_factories import make_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdministratorFactory())
    return client


def test_a_creditor_is_stored_with_its_iban_checked_and_compacted(admin_client):
    service, _option, _ = make_post_paid_canteen()
    regie = regie_of(service)
    form = {"regie": regie.pk, "name": "Régie", "creditor_id": "FR72ZZZ123456", "bic": ""}
    wrong = admin_client.post(
        "/django-admin/billing/sepacreditor/add/", {**form, "iban": "FR14 2004 1010 0505"}
    )
    assert wrong.status_code == 200
    assert "IBAN n&#x27;est pas valide" in wrong.content.decode()
    saved = admin_client.post(
        "/django-admin/billing/sepacreditor/add/",
        {**form, "iban": "FR14 2004 1010 0505 0001 3M02 606"},
    )
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    creditor = SepaCreditor.objects.get()
    assert (creditor.iban, creditor.bic) == ("FR1420041010050500013M02606", "PSSTFRPP")


def test_a_threshold_is_set_and_invoices_are_read_only(admin_client):
    service, option, _ = make_post_paid_canteen()
    family = make_family(option, children=1)
    invoice = issued_invoice(option, family.children, [date(2026, 12, 1)])
    commune = option.stockrecords.first().partner
    admin_client.post(
        "/django-admin/billing/debtthreshold/add/", {"commune": commune.pk, "amount": "30.00"}
    )
    assert str(DebtThreshold.objects.get(commune=commune).amount) == "30.00"
    assert admin_client.get("/django-admin/billing/invoice/add/").status_code == 403
    page = admin_client.get(f"/django-admin/billing/invoice/{invoice.pk}/change/")
    assert page.status_code == 200
    assert invoice.number in page.content.decode()
