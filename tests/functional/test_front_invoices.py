"""Mes factures in the parent's space: the list and a detail with how each day was computed,
the PDF, paying from the wallet and online (the offline test gateway), signing a mandate with
its IBAN checked; another family's invoice is a 404."""

import html
import re
from datetime import date

import pytest

from billing.models import InvoiceStatus, SepaMandate
from tests.billing_factories import issued_invoice, make_post_paid_canteen
from tests.booking_factories import top_up
from tests.factories import ParentFactory
from tests.planning_factories import make_family
from wallet import integrity

pytestmark = pytest.mark.django_db

DAYS = [date(2026, 12, 1), date(2026, 12, 3)]


@pytest.fixture
def family():
    _service, option, _ = make_post_paid_canteen()
    return make_family(option, children=1)


@pytest.fixture
def invoice(family):
    return issued_invoice(family.access.tariff_option, family.children, DAYS)


def text(response) -> str:
    page = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", page)


def test_the_family_reads_its_invoices_and_how_each_day_was_computed(client, family, invoice):
    client.force_login(family.parent)
    listing = text(client.get("/espace/factures/"))
    assert "Mes factures" in listing and invoice.number in listing
    detail = text(client.get(f"/espace/factures/{invoice.pk}/"))
    assert "Présent : prix du jour, 3,30 €." in detail
    assert "Reste à payer 6,60 €" in detail
    pdf = client.get(f"/espace/factures/{invoice.pk}.pdf")
    assert pdf.content.startswith(b"%PDF")


def test_another_familys_invoice_is_a_404(client, invoice):
    client.force_login(ParentFactory())
    assert client.get(f"/espace/factures/{invoice.pk}/").status_code == 404
    assert client.get(f"/espace/factures/{invoice.pk}.pdf").status_code == 404
    assert (
        client.post(f"/espace/factures/{invoice.pk}/payer/", {"method": "wallet"}).status_code
        == 404
    )


def test_paying_from_the_wallet_settles_the_invoice(client, family, invoice):
    top_up(family.parent, "10.00")
    client.force_login(family.parent)
    response = client.post(
        f"/espace/factures/{invoice.pk}/payer/", {"method": "wallet"}, follow=True
    )
    assert "Facture payée avec votre porte-monnaie" in text(response)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert integrity.check_ledger().ok


def test_paying_online_with_the_test_gateway_settles_the_invoice(client, family, invoice):
    client.force_login(family.parent)
    step = client.post(f"/espace/factures/{invoice.pk}/payer/", {"method": "card"})
    assert step.status_code == 302
    page = text(client.get(step.url))
    assert "Paiement de test, rien n'est débité." in page
    done = client.post(f"{step.url}confirmer/", follow=True)
    assert "votre facture est réglée" in text(done)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payments.get().method) == (InvoiceStatus.PAID, "card")
    assert integrity.check_ledger().ok


def test_a_mandate_is_signed_from_the_invoices_page_and_a_wrong_iban_refused(
    client, family, invoice
):
    client.force_login(family.parent)
    form = {"regie": invoice.regie_id, "holder": "Camille Durand"}
    wrong = client.post("/espace/factures/mandat/", {**form, "iban": "FR76 1234"}, follow=True)
    assert "Cet IBAN n'est pas valide" in text(wrong)
    assert not SepaMandate.objects.exists()
    signed = client.post(
        "/espace/factures/mandat/",
        {**form, "iban": "FR76 3000 6000 0112 3456 7890 189"},
        follow=True,
    )
    page = text(signed)
    assert "Mandat de prélèvement enregistré" in page
    assert "FR76 **** **** 0189" in page


def test_cancelling_a_post_paid_booking_says_the_day_will_not_be_invoiced(client, family):
    from tests.booking_factories import make_booking

    option = family.access.tariff_option
    booking = make_booking(
        family.children[0], service=option.parent, tariff_option=option, day=date(2027, 3, 9)
    )
    client.force_login(family.parent)
    page = text(client.get(f"/espace/reservations/{booking.pk}/annuler/"))
    assert "la journée annulée ne sera pas facturée" in page
    assert "Montant remboursé" not in page
    done = text(client.post(f"/espace/reservations/{booking.pk}/annuler/", follow=True))
    assert "est annulée" in done and "remboursés" not in done
    assert integrity.check_ledger().ok


def test_the_checkout_page_books_a_post_paid_basket_with_nothing_to_pay_now(client, family):
    from django.utils import timezone

    from reservations.basket import add_meals_to_basket
    from reservations.models import Booking
    from wallet.models import CardPayment

    option = family.access.tariff_option
    basket = add_meals_to_basket(
        account=family.parent,
        service_id=option.parent_id,
        meals=[(family.children[0].pk, date(2027, 3, 9))],
        now=timezone.now(),
    )
    client.force_login(family.parent)
    page = text(client.get("/espace/panier/paiement/"))
    assert "Total à payer 0,00 €" in page
    assert "Facturé à la fin du mois (service facturé après service) 3,30 €" in page
    assert "Réserver (facturé à la fin du mois)" in page

    done = client.post(
        "/espace/panier/paiement/",
        {"basket": basket.pk, "total": "3.30", "payment_method": "card"},
        follow=True,
    )
    assert done.status_code == 200
    assert Booking.objects.get(account=family.parent, date=date(2027, 3, 9)).status == "confirmed"
    assert not CardPayment.objects.exists()
    assert integrity.check_ledger().ok


def test_a_signed_mandate_is_revoked_from_the_invoices_page_and_the_api(client, family, invoice):
    from billing import sepa

    mandate = sepa.sign_mandate(
        family.parent,
        invoice.regie,
        holder="Camille",
        iban="FR7630006000011234567890189",
        signed_on=date(2027, 1, 4),
    )
    client.force_login(ParentFactory())
    assert client.post(f"/espace/factures/mandat/{mandate.pk}/revoquer/").status_code == 404
    assert client.delete(f"/api/invoices/mandates/{mandate.pk}/").status_code == 404
    client.force_login(family.parent)
    done = text(client.post(f"/espace/factures/mandat/{mandate.pk}/revoquer/", follow=True))
    assert "Mandat révoqué" in done
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None
    assert client.delete(f"/api/invoices/mandates/{mandate.pk}/").status_code == 404
    again = sepa.sign_mandate(
        family.parent,
        invoice.regie,
        holder="Camille",
        iban="FR7630006000011234567890189",
        signed_on=date(2027, 1, 5),
    )
    assert client.delete(f"/api/invoices/mandates/{again.pk}/").status_code == 204
    assert client.get("/api/invoices/mandates/").json() == []


def test_a_regies_card_account_takes_the_card_on_the_page_and_pays_on_the_banks_word(
    client, family, invoice, monkeypatch
):
    from tests.functional.test_checkout_payment import FakeGateway
    from themes.card_secrets import SESSION_KEY
    from wallet.models import CardPayment

    gateway = FakeGateway()
    monkeypatch.setattr("wallet.gateways.gateway_for", lambda backend=None: gateway)
    monkeypatch.setattr("wallet.payments.gateway_for", lambda backend=None: gateway)
    client.force_login(family.parent)

    step = client.post(f"/espace/factures/{invoice.pk}/payer/", {"method": "card"})
    payment = CardPayment.objects.get(owner=family.parent, order_number=invoice.number)
    page = client.get(step.url)
    markup = page.content.decode()
    assert '<script src="https://js.stripe.com/v3/" defer></script>' in markup
    assert f'data-client-secret="{payment.gateway_reference}_secret"' in markup
    assert 'data-stripe-key="pk_test_fake"' in markup
    assert "no-store" in page["Cache-Control"]  # the secret stays out of every cache

    # Not paid at the bank yet: the invoice still owes it all.
    client.post(f"{step.url}confirmer/")
    invoice.refresh_from_db()
    assert invoice.status != InvoiceStatus.PAID

    gateway.paid.add(payment.gateway_reference)
    done = client.post(f"{step.url}confirmer/", follow=True)
    assert "votre facture est réglée" in text(done)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert client.session[SESSION_KEY] == {}  # settled: the secret is forgotten
    assert "js.stripe.com" not in client.get(step.url).content.decode()
    assert integrity.check_ledger().ok


def test_an_invoices_card_payment_left_unpaid_expires_and_the_invoice_stays_to_pay(
    client, family, invoice, monkeypatch, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.functional.test_checkout_payment import FakeGateway
    from wallet.models import CardPayment, CardPaymentStatus
    from wallet.tasks import expire_card_payments

    gateway = FakeGateway()
    monkeypatch.setattr("wallet.gateways.gateway_for", lambda backend=None: gateway)
    monkeypatch.setattr("wallet.payments.gateway_for", lambda backend=None: gateway)
    client.force_login(family.parent)
    client.post(f"/espace/factures/{invoice.pk}/payer/", {"method": "card"})
    payment = CardPayment.objects.get(order_number=invoice.number)
    CardPayment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.CARD_PAYMENT_TIMEOUT_MINUTES + 1)
    )

    assert expire_card_payments() == 1
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.CANCELED
    assert gateway.cancelled == [payment.gateway_reference]
    invoice.refresh_from_db()
    assert invoice.status != InvoiceStatus.PAID and invoice.balance_due > 0
    # Another payment may start at once.
    again = client.post(f"/espace/factures/{invoice.pk}/payer/", {"method": "card"})
    assert (
        again.status_code == 302
        and CardPayment.objects.filter(
            order_number=invoice.number, status=CardPaymentStatus.PENDING
        ).exists()
    )
