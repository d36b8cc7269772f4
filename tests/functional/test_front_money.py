"""The parent front end's money pages: "Mon porte-monnaie" (pots, movements, top-ups),
"Mes réservations" (list, calendar, cancellation one or several at a time) and "Mes commandes"."""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from reservations.models import Booking, BookingStatus
from reservations.rules import PARIS
from tests.booking_factories import (
    MEAL_DAY,
    OTHER_MEAL_DAY,
    add_meals,
    make_booking,
    make_canteen,
    top_up,
)
from tests.factories import ParentFactory, PendingParentFactory
from tests.functional.test_bookings_api import book_and_pay
from tests.functional.test_checkout_payment import (
    FakeGateway,
    checkout,
    general_pot,
    service_pot,
)
from tests.reservations_factories import BeneficiaryFactory
from wallet.models import CardPayment, CardPaymentStatus

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

WALLET = "/espace/porte-monnaie/"
TOP_UP = "/espace/porte-monnaie/recharger/"
BOOKINGS = "/espace/reservations/"
BULK_CANCEL = "/espace/reservations/annuler/"
ORDERS = "/espace/commandes/"


def euros(text: str) -> str:
    """French amounts, as `text` reads them (its non-breaking spaces become spaces)."""
    return text


def top_up_page(pk):
    return f"/espace/porte-monnaie/recharge/{pk}/"


def top_up_confirm(pk):
    return f"/espace/porte-monnaie/recharge/{pk}/confirmer/"


def cancel_page(booking):
    return f"/espace/reservations/{booking.pk}/annuler/"


def text(response) -> str:
    """The page's text with tags and repeated blanks removed, to assert on what a parent reads."""
    page = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", page)


@pytest.fixture
def offline(settings):
    # No Stripe key: the offline test gateway of `make run`.
    settings.STRIPE_SECRET_KEY = None
    settings.STRIPE_PUBLISHABLE_KEY = None
    settings.STRIPE_WEBHOOK_SECRET = None


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def lea(parent):
    return BeneficiaryFactory(account=parent, first_name="Léa")


@pytest.fixture
def tom(parent):
    return BeneficiaryFactory(account=parent, first_name="Tom")


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [WALLET, top_up_page(1), BOOKINGS, "/espace/reservations/1/annuler/", ORDERS]
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith("/connexion/") or "next=" in response.url
    assert "next=" in response.url


@pytest.mark.parametrize("url", [WALLET, BOOKINGS, ORDERS])
def test_an_account_awaiting_validation_is_sent_to_the_waiting_page(client, url):
    client.force_login(PendingParentFactory())

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == "/espace/en-attente/"


# --- Mon porte-monnaie ---------------------------------------------------------------------------


def test_the_wallet_page_shows_each_pot_and_the_movements(client, parent, lea, canteen):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])
    client.post(cancel_page(booking))

    response = client.get(WALLET)

    assert response.status_code == 200
    page = text(response)
    assert "<h1>Mon porte-monnaie</h1>" in response.content.decode()
    assert euros("Mon solde 20,00 €") in page
    assert euros("Cantine de Rosières 3,30 €") in page
    assert euros("Tous services 16,70 €") in page
    # Newest first: the refund, the payment, the top-up; signed amounts.
    movements = page[page.index("Mes mouvements") :]
    assert movements.index("Remboursement d'une annulation") < movements.index(
        "Paiement de réservations"
    )
    assert movements.index("Paiement de réservations") < movements.index("Rechargement par carte")
    assert euros("+3,30 €") in movements
    assert euros("-3,30 €") in movements
    assert euros("+20,00 €") in movements
    assert "Annulation du repas de Léa du 12/03/2030" in movements
    for amount in ("1,00 €", "5,00 €", "10,00 €", "25,00 €", "50,00 €"):
        assert euros(f"Recharger {amount}") in page


def test_the_movements_are_paginated(client, parent):
    for index in range(25):
        top_up(parent, f"{index + 1}.00")
    client.force_login(parent)

    first = text(client.get(WALLET))
    second = text(client.get(f"{WALLET}?page=2"))

    assert euros("+25,00 €") in first and euros("+6,00 €") in first
    assert euros("+5,00 €") not in first.split("Mes mouvements")[1]
    assert euros("+5,00 €") in second and euros("+1,00 €") in second
    assert "Page 2 sur 2" in second


def test_a_wallet_page_never_shows_another_parents_money(client, parent):
    top_up(ParentFactory(), "50.00")
    client.force_login(parent)

    page = text(client.get(WALLET))

    assert "50,00" not in page.split("Recréditer")[0]
    assert "Aucun mouvement pour le moment." in page


def test_a_top_up_of_10_euros_credits_the_wallet_only_once_confirmed(client, parent, offline):
    client.force_login(parent)

    response = client.post(TOP_UP, {"amount": "10.00"})

    payment = CardPayment.objects.get(owner=parent)
    assert response.status_code == 302
    assert response.url == top_up_page(payment.pk)
    assert payment.amount == Decimal("10.00")
    assert general_pot(parent) == Decimal("0.00")

    page = client.get(top_up_page(payment.pk))
    assert page.status_code == 200
    assert "Paiement de test, rien n'est débité." in text(page)
    assert "js.stripe.com" not in page.content.decode()
    assert general_pot(parent) == Decimal("0.00")

    confirmed = client.post(top_up_confirm(payment.pk), follow=True)

    assert confirmed.redirect_chain == [(WALLET, 302)]
    assert euros("Votre porte-monnaie a été crédité de 10,00 €.") in text(confirmed)
    assert general_pot(parent) == Decimal("10.00")
    payment.refresh_from_db()
    assert payment.status == CardPaymentStatus.SUCCEEDED
    # Confirmed twice (a double click, the back button): credited once.
    client.post(top_up_confirm(payment.pk))
    assert general_pot(parent) == Decimal("10.00")


def test_an_amount_not_offered_is_refused_next_to_the_buttons(client, parent, offline):
    client.force_login(parent)

    response = client.post(TOP_UP, {"amount": "7.00"})

    assert response.status_code == 200
    offered = "1,00 €, 5,00 €, 10,00 €, 25,00 € ou 50,00 €"  # text(): no-break spaces as spaces
    assert f"Montant non proposé : choisissez {offered}." in text(response)
    assert 'id="id_amount_error"' in response.content.decode()
    assert not CardPayment.objects.exists()


def test_each_top_up_button_posts_an_amount_the_form_reads(client, parent, offline):
    """The buttons' values are sent as they are rendered: a French "10,00" would be refused."""
    client.force_login(parent)
    page = client.get(WALLET).content.decode()
    values = re.findall(r'name="amount" value="([^"]+)"', page)
    assert values == ["1.00", "5.00", "10.00", "25.00", "50.00"]

    response = client.post(TOP_UP, {"amount": values[-1]})

    assert response.status_code == 302
    assert CardPayment.objects.get(owner=parent).amount == Decimal("50.00")


def test_another_parents_top_up_is_a_404(client, parent, offline):
    client.force_login(ParentFactory())
    client.post(TOP_UP, {"amount": "5.00"})
    theirs = CardPayment.objects.get()
    client.force_login(parent)

    assert client.get(top_up_page(theirs.pk)).status_code == 404
    assert client.post(top_up_confirm(theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == CardPaymentStatus.PENDING


def test_with_a_card_gateway_the_page_loads_stripe_js_and_credits_on_the_banks_word(
    client, parent, monkeypatch
):
    gateway = FakeGateway()
    monkeypatch.setattr("wallet.payments.gateway_for", lambda commune=None: gateway)
    client.force_login(parent)
    assert "js.stripe.com" not in client.get(WALLET).content.decode()

    client.post(TOP_UP, {"amount": "25.00"})
    payment = CardPayment.objects.get(owner=parent)
    page = client.get(top_up_page(payment.pk))

    html = page.content.decode()
    assert '<script src="https://js.stripe.com/v3/" defer></script>' in html
    assert f'data-client-secret="{payment.gateway_reference}_secret"' in html
    assert 'data-stripe-key="pk_test_fake"' in html
    assert "votre solde sera crédité dès la confirmation de la banque" in text(page)

    # Not paid at the bank yet: nothing is credited.
    waiting = client.post(top_up_confirm(payment.pk), follow=True)
    assert waiting.redirect_chain == [(top_up_page(payment.pk), 302)]
    assert "dès la confirmation de la banque" in text(waiting)
    assert general_pot(parent) == Decimal("0.00")

    gateway.paid.add(payment.gateway_reference)
    client.post(top_up_confirm(payment.pk))
    assert general_pot(parent) == Decimal("25.00")


# --- Mes réservations --------------------------------------------------------------------------


def test_the_list_shows_the_familys_bookings_with_their_deadline(client, parent, lea, canteen):
    service, meal, _ = canteen
    make_booking(lea, service=service, tariff_option=meal, day=MEAL_DAY, price="3.30")
    theirs = BeneficiaryFactory(first_name="Zoé")
    make_booking(theirs, service=service, tariff_option=meal, day=MEAL_DAY)
    client.force_login(parent)

    response = client.get(BOOKINGS)

    assert response.status_code == 200
    page = text(response)
    assert "1 réservation" in page
    assert "Léa" in page and "Zoé" not in page
    assert "mardi 12/03/2030" in page
    assert "Cantine de Rosières" in page
    assert euros("3,30 €") in page
    assert "Réservée" in page
    # J-2 working days at 10:00, Paris time.
    assert "08/03/2030 10:00" in page
    assert "Annuler la sélection" in page


def test_the_list_filters_by_child_month_and_status(client, parent, lea, tom, canteen):
    service, meal, _ = canteen
    make_booking(lea, service=service, tariff_option=meal, day=MEAL_DAY)
    make_booking(tom, service=service, tariff_option=meal, day=datetime.date(2030, 4, 2))
    make_booking(tom, service=service, tariff_option=meal, day=OTHER_MEAL_DAY, status="cancelled")
    client.force_login(parent)

    def shown(query):
        page = text(client.get(f"{BOOKINGS}?{query}"))
        return re.findall(r"\w+ (\d\d/\d\d/2030) (Léa|Tom)", page)

    assert shown("") == [("12/03/2030", "Léa"), ("14/03/2030", "Tom"), ("02/04/2030", "Tom")]
    assert shown(f"beneficiary={lea.pk}") == [("12/03/2030", "Léa")]
    assert shown("month=2030-04") == [("02/04/2030", "Tom")]
    assert shown("status=cancelled") == [("14/03/2030", "Tom")]
    assert shown(f"beneficiary={tom.pk}&month=2030-03&status=cancelled") == [("14/03/2030", "Tom")]


def test_a_malformed_month_is_shown_next_to_its_field(client, parent):
    client.force_login(parent)

    response = client.get(f"{BOOKINGS}?month=mars")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Indiquez un mois au format AAAA-MM, par exemple 2026-01." in html
    assert 'id="id_month_error"' in html
    assert 'aria-invalid="true"' in html


def test_the_calendar_lists_the_bookings_of_each_day(client, parent, lea, tom, canteen):
    service, meal, _ = canteen
    make_booking(lea, service=service, tariff_option=meal, day=MEAL_DAY)
    make_booking(tom, service=service, tariff_option=meal, day=OTHER_MEAL_DAY)
    make_booking(lea, service=service, tariff_option=meal, day=datetime.date(2030, 4, 2))
    client.force_login(parent)

    response = client.get(f"{BOOKINGS}?vue=calendrier&month=2030-03")

    assert response.status_code == 200
    page = text(response)
    assert "Mars 2030" in page
    assert "2 réservations ce mois-ci." in page
    assert "mardi 12 mars Léa · Cantine de Rosières Réservée" in page
    assert "jeudi 14 mars Tom · Cantine de Rosières Réservée" in page
    assert "02/04" not in page and "avril 2030" not in page.split("Mois suivant")[1]
    assert 'month=2030-04"' in response.content.decode()
    assert 'month=2030-02"' in response.content.decode()


def test_cancelling_in_time_refunds_the_services_pot(client, parent, lea, canteen):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])

    confirmation = text(client.get(cancel_page(booking)))

    assert "Repas de Léa du mardi 12/03/2030" in confirmation
    assert euros("Montant remboursé 3,30 €") in confirmation
    assert "votre porte-monnaie « Cantine de Rosières »" in confirmation
    assert "vendredi 08/03/2030 à 10:00" in confirmation
    assert booking.status == BookingStatus.CONFIRMED

    response = client.post(cancel_page(booking), follow=True)

    assert response.redirect_chain == [(BOOKINGS, 302)]
    assert euros(
        "La réservation de Léa du 12/03/2030 est annulée. 3,30 € remboursés sur votre "
        "porte-monnaie (Cantine de Rosières)."
    ) in text(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert (booking.cancelled_by, booking.cancelled_by_role) == (parent, "parent")
    assert service_pot(parent, service) == Decimal("3.30")
    assert general_pot(parent) == Decimal("16.70")


def test_cancelling_after_the_deadline_is_refused_and_changes_nothing(client, parent, lea, canteen):
    service, meal, _ = canteen
    (booking,) = book_and_pay(client, parent, meal, [(lea, MEAL_DAY)])

    with time_machine.travel(datetime.datetime(2030, 3, 8, 10, 0, tzinfo=PARIS), tick=False):
        client.force_login(parent)
        before = text(client.get(cancel_page(booking)))
        response = client.post(cancel_page(booking))

    assert "ne peut plus être annulée" in before
    assert "Confirmer l'annulation" not in before
    assert response.status_code == 200
    assert "La date limite d'annulation était le 08/03 à 10:00." in text(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert service_pot(parent, service) == Decimal("0.00")


def test_bulk_cancellation_confirms_then_cancels_all_and_refunds_each(
    client, parent, lea, tom, canteen
):
    service, meal, _ = canteen
    bookings = book_and_pay(client, parent, meal, [(lea, MEAL_DAY), (tom, OTHER_MEAL_DAY)])
    ids = [booking.pk for booking in bookings]

    confirmation = client.get(BULK_CANCEL, {"reservations": ids})

    assert confirmation.status_code == 200
    page = text(confirmation)
    assert "Vous allez annuler 2 réservations." in page
    assert euros("6,60 € sur votre porte-monnaie « Cantine de Rosières »") in page
    assert set(Booking.objects.values_list("status", flat=True)) == {"confirmed"}

    response = client.post(BULK_CANCEL, {"reservations": ids}, follow=True)

    assert response.redirect_chain == [(BOOKINGS, 302)]
    assert euros(
        "2 réservations annulées. 6,60 € remboursés sur votre porte-monnaie (Cantine de Rosières)."
    ) in text(response)
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    assert service_pot(parent, service) == Decimal("6.60")


def test_bulk_cancellation_is_all_or_nothing(client, parent, lea, tom, canteen):
    service, meal, _ = canteen
    bookings = book_and_pay(client, parent, meal, [(lea, MEAL_DAY), (tom, OTHER_MEAL_DAY)])

    # 12/03 closed on 08/03 at 10:00; 14/03 closes on 12/03 at 10:00.
    with time_machine.travel(datetime.datetime(2030, 3, 10, 12, 0, tzinfo=PARIS), tick=False):
        client.force_login(parent)
        response = client.post(BULK_CANCEL, {"reservations": [b.pk for b in bookings]})

    assert response.status_code == 200
    page = text(response)
    assert "Aucune réservation n'a été annulée : rien n'a changé." in page
    assert "La date limite d'annulation était le 08/03 à 10:00." in page
    assert set(Booking.objects.values_list("status", flat=True)) == {"confirmed"}
    assert service_pot(parent, service) == Decimal("0.00")


def test_bulk_cancellation_without_a_choice_says_so(client, parent):
    client.force_login(parent)

    response = client.post(BULK_CANCEL, {}, follow=True)

    assert response.redirect_chain == [(BOOKINGS, 302)]
    assert "Choisissez au moins une réservation à annuler." in text(response)


def test_another_familys_booking_is_a_404(client, parent, lea, canteen):
    service, meal, _ = canteen
    mine = make_booking(lea, service=service, tariff_option=meal, day=MEAL_DAY)
    theirs = make_booking(service=service, tariff_option=meal, day=OTHER_MEAL_DAY)
    client.force_login(parent)

    assert client.get(cancel_page(theirs)).status_code == 404
    assert client.post(cancel_page(theirs)).status_code == 404
    assert client.get(BULK_CANCEL, {"reservations": [theirs.pk]}).status_code == 404
    assert client.post(BULK_CANCEL, {"reservations": [mine.pk, theirs.pk]}).status_code == 404
    assert set(Booking.objects.values_list("status", flat=True)) == {"confirmed"}


def test_cancelling_needs_the_csrf_token(parent, lea, canteen):
    from django.test import Client

    service, meal, _ = canteen
    booking = make_booking(lea, service=service, tariff_option=meal)
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)

    assert client.post(cancel_page(booking)).status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


# --- Mes commandes -------------------------------------------------------------------------------


def test_the_order_history_lists_number_date_total_status_and_payment(client, parent, lea, canteen):
    _service, meal, _ = canteen
    book_and_pay(client, parent, meal, [(lea, MEAL_DAY), (lea, OTHER_MEAL_DAY)])
    order = Order.objects.get(user=parent)
    Order.objects.create(
        number="THEIRS-1", user=ParentFactory(), total_incl_tax=1, total_excl_tax=1
    )

    response = client.get(ORDERS)

    assert response.status_code == 200
    page = text(response)
    assert f"Commande {order.number}" in page
    assert "THEIRS-1" not in page
    assert euros("6,60 € Payée Porte-monnaie") in page
    assert f'href="/espace/commandes/{order.number}/"' in response.content.decode()


def test_the_order_page_shows_each_meal_and_the_payments_and_refunds(
    client, parent, lea, tom, canteen
):
    _service, meal, _ = canteen
    bookings = book_and_pay(client, parent, meal, [(lea, MEAL_DAY), (tom, OTHER_MEAL_DAY)])
    client.post(cancel_page(bookings[0]))
    order = Order.objects.get(user=parent)

    response = client.get(f"{ORDERS}{order.number}/")

    assert response.status_code == 200
    page = text(response)
    assert f"Commande {order.number}" in page
    assert euros("mardi 12/03/2030 Léa Cantine de Rosières Repas enfant 3,30 €") in page
    assert "Tarif 1er enfant, résident : 3.30 €" in page
    assert "Annulée" in page and "Réservée" in page
    assert euros("Débit porte-monnaie 6,60 €") in page
    assert euros("Remboursement porte-monnaie 3,30 €") in page


def test_an_english_reader_sees_statuses_and_payments_in_english(client, parent, lea, tom, canteen):
    """Oscar stores statuses and payment names in French; the pages translate them."""
    _service, meal, _ = canteen
    bookings = book_and_pay(client, parent, meal, [(lea, MEAL_DAY), (tom, OTHER_MEAL_DAY)])
    client.post(cancel_page(bookings[0]))
    order = Order.objects.get(user=parent)

    listing = text(client.get(ORDERS, HTTP_ACCEPT_LANGUAGE="en"))
    detail = text(client.get(f"{ORDERS}{order.number}/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "Paid" in listing and "Payée" not in listing
    assert "Wallet debit" in detail and "Wallet refund" in detail
    assert "Débit porte-monnaie" not in detail


def test_another_familys_order_is_a_404(client, parent, lea, canteen):
    _service, meal, _ = canteen
    other = ParentFactory()
    book_and_pay(client, other, meal, [(BeneficiaryFactory(account=other), MEAL_DAY)])
    theirs = Order.objects.get(user=other)
    client.force_login(parent)

    assert client.get(f"{ORDERS}{theirs.number}/").status_code == 404
    assert client.get(f"{ORDERS}NOPE/").status_code == 404


def test_the_order_pages_cost_the_same_queries_for_2_and_10_meals(client, canteen):
    _service, meal, _ = canteen

    def queries_for(count):
        parent = ParentFactory()
        children = [BeneficiaryFactory(account=parent) for _ in range(count)]
        top_up(parent, "50.00")
        basket = add_meals(parent, meal, [(child, MEAL_DAY) for child in children])
        client.force_login(parent)
        assert checkout(client, basket, "wallet").status_code == 200
        number = Order.objects.get(user=parent).number
        with CaptureQueriesContext(connection) as listing:
            assert client.get(ORDERS).status_code == 200
        with CaptureQueriesContext(connection) as detail:
            assert client.get(f"{ORDERS}{number}/").status_code == 200
        return len(listing.captured_queries), len(detail.captured_queries)

    assert queries_for(2) == queries_for(10)
