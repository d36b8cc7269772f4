"""The régies' billing screens: an agent of the commune previews then issues a month's
invoices, records a cheque at the counter, prepares and downloads the SEPA file (valid against
pain.008), records a reject; a régisseur of another régie, or an agent of another commune,
meets a 404 on every screen of this régie, its invoices and its files."""

import os
from datetime import date, datetime

import pytest
import sepaxml
import time_machine
import xmlschema

from billing import sepa
from billing.models import DirectDebit, Invoice, InvoiceStatus, SepaMandate
from reservations.rules import PARIS
from tests.billing_factories import (
    make_creditor,
    make_post_paid_canteen,
    regie_of,
)
from tests.booking_factories import make_booking
from tests.factories import AgentFactory, PartnerFactory, UserFactory
from tests.planning_factories import make_canteen, make_family
from wallet import integrity

pytestmark = pytest.mark.django_db

BASE = "/dashboard/facturation/"
AFTER_MONTH = datetime(2027, 1, 4, 9, 0, tzinfo=PARIS)
DAYS = [date(2026, 12, 1), date(2026, 12, 3)]


@pytest.fixture
def world():
    rosieres = PartnerFactory(name="Rosières")
    service, option, _ = make_post_paid_canteen(rosieres)
    family = make_family(option, children=1)
    for day in DAYS:
        make_booking(family.children[0], service=service, tariff_option=option, day=day)
    regie = regie_of(service)
    aiguilhe = PartnerFactory(name="Aiguilhe")
    other_service, _, _ = make_canteen(aiguilhe, title="Cantine d'Aiguilhe")
    stranger = UserFactory()
    regie_of(other_service).regisseurs.add(stranger)
    return {
        "regie": regie,
        "family": family,
        "agent": AgentFactory(communes=[rosieres]),
        "outsider": AgentFactory(communes=[aiguilhe]),
        "regisseur": stranger,
    }


def run(client, regie, action, month="2026-12"):
    return client.post(f"{BASE}regies/{regie.pk}/facturer/", {"month": month, "action": action})


def test_an_agent_previews_then_issues_the_month_and_records_a_cheque(client, world):
    regie = world["regie"]
    client.force_login(world["agent"])
    assert client.get(f"{BASE}regies/{regie.pk}/").status_code == 200

    with time_machine.travel(datetime(2026, 12, 20, 9, 0, tzinfo=PARIS), tick=False):
        # Logged in on the clock of the test: a session ends after 2 hours without activity.
        client.force_login(world["agent"])
        response = run(client, regie, "preview")
        assert response.status_code == 302
        refused = client.get(run(client, regie, "final").url)
    assert "n&#x27;est pas terminé" in refused.content.decode()
    (draft,) = Invoice.objects.all()
    assert (draft.status, draft.number) == (InvoiceStatus.DRAFT, None)

    with time_machine.travel(AFTER_MONTH, tick=False):
        client.force_login(world["agent"])
        listing = client.get(run(client, regie, "final").url, follow=True)
    page = listing.content.decode()
    assert "1 facture(s) émise(s) pour 12/2026" in page
    invoice = Invoice.objects.get()
    assert invoice.number in page

    detail = client.get(f"{BASE}factures/{invoice.pk}/")
    assert "Présent : prix du jour" in detail.content.decode()
    pdf = client.get(f"{BASE}factures/{invoice.pk}/pdf/")
    assert pdf.content.startswith(b"%PDF")

    exported = client.get(f"{BASE}regies/{regie.pk}/factures/export.csv?mois=2026-12")
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert f"{invoice.number};12/2026;" in exported.content.decode("utf-8-sig")

    client.post(
        f"{BASE}factures/{invoice.pk}/guichet/",
        {"method": "cheque", "amount": "6.60", "reference": "Chèque 1234567"},
    )
    invoice.refresh_from_db()
    assert (invoice.status, str(invoice.paid_amount)) == (InvoiceStatus.PAID, "6.60")
    payment = invoice.payments.get()
    assert (payment.method, payment.recorded_by, payment.reference) == (
        "cheque",
        world["agent"],
        "Chèque 1234567",
    )
    exported = client.get(f"{BASE}regies/{regie.pk}/factures/export.csv").content.decode()
    assert ";Payée;6,60;0,00;0,00;6,60;0,00;0,00" in exported
    assert integrity.check_ledger().ok


def test_an_agent_prepares_downloads_and_rejects_a_sepa_debit(client, world):
    regie = world["regie"]
    with time_machine.travel(AFTER_MONTH, tick=False):
        from billing import runs

        runs.run_billing(regie, 2026, 12, final=True)
        sepa.sign_mandate(
            world["family"].parent,
            regie,
            holder="Famille Durand",
            iban="FR7630006000011234567890189",
            signed_on=date(2027, 1, 2),
        )
        make_creditor(regie)
        client.force_login(world["agent"])
        mandates = client.get(f"{BASE}regies/{regie.pk}/mandats/").content.decode()
        assert "FR76 **** **** 0189" in mandates
        made = client.post(
            f"{BASE}regies/{regie.pk}/prelevements/", {"collection_date": "2027-01-15"}
        )
    assert made.status_code == 302
    client.force_login(world["agent"])
    page = client.get(made.url).content.decode()
    assert "1 prélèvement(s)" in page
    debit = DirectDebit.objects.get()
    xml = client.get(f"{BASE}prelevements/{debit.batch_id}/pain008.xml")
    assert xml["Content-Type"] == "application/xml; charset=utf-8"
    xmlschema.XMLSchema(
        os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.008.001.02.xsd")
    ).validate(xml.content.decode())

    client.post(f"{BASE}prelevements/rejet/{debit.pk}/", {"reason": "AM04"})
    debit.refresh_from_db()
    assert (debit.status, debit.reject_reason) == ("rejected", "AM04")
    assert debit.invoice.status == InvoiceStatus.ISSUED
    assert integrity.check_ledger().ok


def test_another_communes_agent_or_regisseur_meets_a_404_everywhere(client, world):
    regie = world["regie"]
    with time_machine.travel(AFTER_MONTH, tick=False):
        from billing import runs

        runs.run_billing(regie, 2026, 12, final=True)
    invoice = Invoice.objects.get()
    for user in (world["outsider"], world["regisseur"]):
        client.force_login(user)
        for url in (
            f"{BASE}regies/{regie.pk}/",
            f"{BASE}regies/{regie.pk}/factures/",
            f"{BASE}regies/{regie.pk}/mandats/",
            f"{BASE}regies/{regie.pk}/prelevements/",
            f"{BASE}factures/{invoice.pk}/",
            f"{BASE}factures/{invoice.pk}/pdf/",
        ):
            assert client.get(url).status_code == 404, (user, url)
        refused = client.post(
            f"{BASE}factures/{invoice.pk}/guichet/", {"method": "cash", "amount": "6.60"}
        )
        assert refused.status_code == 404
    invoice.refresh_from_db()
    assert invoice.paid_amount == 0


def test_a_parent_has_no_access_to_the_billing_screens(client, world):
    client.force_login(world["family"].parent)
    response = client.get(f"{BASE}regies/{world['regie'].pk}/")
    assert response.status_code in (302, 403)


def test_an_agent_types_in_a_paper_mandate_with_its_iban_checked(client, world):
    regie = world["regie"]
    with time_machine.travel(AFTER_MONTH, tick=False):
        from billing import runs

        runs.run_billing(regie, 2026, 12, final=True)
        client.force_login(world["agent"])
        form = {
            "owner": world["family"].parent.pk,
            "holder": "Famille Durand",
            "signed_on": "2027-01-04",
        }
        wrong = client.post(
            f"{BASE}regies/{regie.pk}/mandats/", {**form, "iban": "FR7630006000011234567890188"}
        )
        assert "Cet IBAN n&#x27;est pas valide" in wrong.content.decode()
        done = client.post(
            f"{BASE}regies/{regie.pk}/mandats/",
            {**form, "iban": "FR76 3000 6000 0112 3456 7890 189"},
            follow=True,
        )
        # Only a family the régie invoiced: anyone else is not a choice.
        stranger = client.post(
            f"{BASE}regies/{regie.pk}/mandats/",
            {**form, "owner": world["agent"].pk, "iban": "FR7630006000011234567890189"},
        )
    assert "Mandat enregistré." in done.content.decode()
    mandate = SepaMandate.objects.get()
    assert (mandate.owner, mandate.iban) == (world["family"].parent, "FR7630006000011234567890189")
    assert stranger.status_code == 200
    assert "Sélectionnez un choix valide" in stranger.content.decode()
    assert SepaMandate.objects.count() == 1
