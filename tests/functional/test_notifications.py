"""Notification preferences (API and page), the one-click unsubscribe link, the confirmation
e-mails (order paid, cancellation, top-up: after commit only) and the forecast shown to the
parent (API and pages)."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts import notifications
from accounts.models import NotificationKind, NotificationOptOut
from accounts.roles import ActorRole
from reservations.bookings import cancel_booking
from reservations.closures import close_day
from reservations.models import Booking
from shop.checkout import checkout as checkout_basket
from tests.booking_factories import (
    MEAL_DAY,
    OTHER_MEAL_DAY,
    add_meals,
    make_booking,
    make_canteen,
    top_up,
)
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import checkout
from tests.reservations_factories import BeneficiaryFactory
from wallet.forecast import forecast_of
from wallet.models import RegieShare

pytestmark = pytest.mark.django_db

API = "/api/accounts/me/notifications/"
PAGE = "/espace/mes-emails/"
ALL_ON = {kind: True for kind in NotificationKind.values}


def body(message) -> str:
    return message.body.replace("\xa0", " ")  # euros() puts a non-breaking space before €


@pytest.fixture
def parent():
    return ParentFactory(first_name="Claire", last_name="Martin")


# --- Preferences ------------------------------------------------------------------------------


def test_every_kind_is_on_until_the_parent_turns_it_off(client, parent):
    client.force_login(parent)
    assert client.get(API).json() == ALL_ON

    answer = client.put(API, {**ALL_ON, "weekly_summary": False}, content_type="application/json")

    assert answer.status_code == 200
    assert answer.json() == {**ALL_ON, "weekly_summary": False}
    assert list(NotificationOptOut.objects.values_list("account", "kind")) == [
        (parent.pk, "weekly_summary")
    ]
    client.put(API, ALL_ON, content_type="application/json")
    assert not NotificationOptOut.objects.exists()


def test_a_put_must_name_every_kind_as_a_boolean(client, parent):
    client.force_login(parent)
    answer = client.put(API, {"weekly_summary": "peut-être"}, content_type="application/json")
    assert answer.status_code == 400
    assert set(answer.json()) == set(NotificationKind.values)


def test_an_anonymous_visitor_has_no_preferences(client):
    assert client.get(API).status_code == 403


def test_the_page_saves_the_checked_kinds_and_turns_the_others_off(client, parent):
    client.force_login(parent)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'name="kinds" value="low_balance"' in page.content.decode()

    answer = client.post(PAGE, {"kinds": ["low_balance", "order_confirmation"]})

    assert answer.status_code == 302
    preferences = notifications.preferences_of(parent)
    assert {kind for kind, on in preferences.items() if on} == {
        "low_balance",
        "order_confirmation",
    }


def test_the_profile_page_links_to_the_emails_page(client, parent):
    client.force_login(parent)
    assert f'href="{PAGE}"' in client.get("/espace/informations/").content.decode()


# --- One-click unsubscribe --------------------------------------------------------------------


def unsubscribe_path(account, kind) -> str:
    return notifications.unsubscribe_url(account, kind).removeprefix("http://127.0.0.1:8000")


def test_the_unsubscribe_link_works_without_login_for_its_kind_and_account_only(client, parent):
    other = ParentFactory()
    path = unsubscribe_path(parent, NotificationKind.LOW_BALANCE)

    shown = client.get(path)  # a mail scanner opening the link changes nothing
    assert shown.status_code == 200
    assert "Solde du porte-monnaie bas" in shown.content.decode()
    assert not NotificationOptOut.objects.exists()

    done = client.post(path)

    assert done.status_code == 200
    assert "C'est fait" in done.content.decode()
    assert list(NotificationOptOut.objects.values_list("account", "kind")) == [
        (parent.pk, "low_balance")
    ]
    assert notifications.preferences_of(other) == ALL_ON
    assert client.post(path).status_code == 200  # twice is once
    assert NotificationOptOut.objects.count() == 1


def test_a_tampered_unsubscribe_link_is_refused(client, parent):
    path = unsubscribe_path(parent, NotificationKind.LOW_BALANCE)
    token = path.split("/")[2]
    forged = token.replace(token[3], "A" if token[3] != "A" else "B", 1)

    assert client.post(f"/desabonnement/{forged}/").status_code == 404
    assert client.post("/desabonnement/n-importe-quoi/").status_code == 404
    assert not NotificationOptOut.objects.exists()


# --- Confirmations ----------------------------------------------------------------------------


@pytest.fixture
def canteen():
    return make_canteen()


def book_two_meals(parent, meal):
    alice = BeneficiaryFactory(account=parent, first_name="Alice")
    top_up(parent, "20.00")
    return add_meals(parent, meal, [(alice, MEAL_DAY), (alice, OTHER_MEAL_DAY)])


def test_an_order_paid_by_wallet_is_confirmed_after_commit_with_its_receipt(
    client, parent, canteen, django_capture_on_commit_callbacks
):
    _service, meal, _calendar = canteen
    basket = book_two_meals(parent, meal)
    client.force_login(parent)

    with django_capture_on_commit_callbacks(execute=True):
        assert checkout(client, basket, "wallet").status_code == 200

    (message,) = mail.outbox
    share = RegieShare.objects.get(owner=parent)
    assert message.subject.startswith("Commande ") and message.subject.endswith(" payée")
    assert message.to == [parent.email]
    text = body(message)
    assert "Alice, Cantine de Rosières (3,30 €)" in text
    assert share.number and f"quittance n° {share.number}" in text
    assert f"/espace/quittances/{share.pk}.pdf" in text


def test_a_rolled_back_checkout_sends_nothing(parent, canteen, django_capture_on_commit_callbacks):
    _service, meal, _calendar = canteen
    basket = book_two_meals(parent, meal)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            checkout_basket(basket.pk, payer=parent, payment_method="wallet")
            assert Booking.objects.filter(account=parent).count() == 2
            raise RuntimeError("the request failed after the checkout")

    assert not Booking.objects.exists()
    assert mail.outbox == []


def test_the_order_confirmation_can_be_turned_off(
    client, parent, canteen, django_capture_on_commit_callbacks
):
    _service, meal, _calendar = canteen
    basket = book_two_meals(parent, meal)
    notifications.set_preferences(parent, {NotificationKind.ORDER_CONFIRMATION: False})
    client.force_login(parent)

    with django_capture_on_commit_callbacks(execute=True):
        assert checkout(client, basket, "wallet").status_code == 200

    assert mail.outbox == []


def paid_bookings(client, parent, meal, capture):
    basket = book_two_meals(parent, meal)
    client.force_login(parent)
    with capture(execute=True):
        assert checkout(client, basket, "wallet").status_code == 200
    mail.outbox.clear()
    return list(Booking.objects.filter(account=parent).order_by("date"))


def test_a_parents_cancellation_says_what_went_back_to_which_pot(
    client, parent, canteen, django_capture_on_commit_callbacks
):
    _service, meal, _calendar = canteen
    first, _second = paid_bookings(client, parent, meal, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/reservations/{first.pk}/cancel/").status_code == 200

    (message,) = mail.outbox
    assert message.subject == "Réservation annulée"
    text = body(message)
    assert "Vous avez annulé :" in text
    assert "3,30 € rendus au porte-monnaie « Cantine de Rosières »" in text


def test_an_agents_cancellation_is_told_even_to_a_family_who_turned_confirmations_off(
    client, parent, canteen, django_capture_on_commit_callbacks
):
    _service, meal, _calendar = canteen
    first, _second = paid_bookings(client, parent, meal, django_capture_on_commit_callbacks)
    notifications.set_preferences(parent, {NotificationKind.CANCELLATION_CONFIRMATION: False})
    agent = AgentFactory(first_name="Paul", last_name="Agent")

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(
            first,
            by=agent,
            role=ActorRole.AGENT,
            now=timezone.now(),
            reason="Sortie scolaire",
            enforce_deadline=False,
        )

    (message,) = mail.outbox
    text = body(message)
    assert "Paul Agent, agent de la commune, a annulé :" in text
    assert "Motif : Sortie scolaire" in text


def test_a_parents_own_cancellation_follows_the_opt_out(
    client, parent, canteen, django_capture_on_commit_callbacks
):
    _service, meal, _calendar = canteen
    first, _second = paid_bookings(client, parent, meal, django_capture_on_commit_callbacks)
    notifications.set_preferences(parent, {NotificationKind.CANCELLATION_CONFIRMATION: False})

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/reservations/{first.pk}/cancel/").status_code == 200

    assert mail.outbox == []


@pytest.fixture
def offline(settings):
    # No Stripe key: `make run`'s offline test gateway.
    settings.STRIPE_SECRET_KEY = None
    settings.STRIPE_PUBLISHABLE_KEY = None
    settings.STRIPE_WEBHOOK_SECRET = None


def test_a_credited_top_up_is_confirmed_once(
    client, parent, offline, django_capture_on_commit_callbacks
):
    client.force_login(parent)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/wallet/top-ups/", {"amount": "10.00"}, content_type="application/json"
        )
        payment_id = started.json()["id"]
        client.post(f"/api/wallet/top-ups/{payment_id}/confirm/")
        client.post(f"/api/wallet/top-ups/{payment_id}/confirm/")

    (message,) = mail.outbox
    assert message.subject == "Porte-monnaie rechargé"
    assert "rechargé de 10,00 €" in body(message)
    assert "10,00 € au total" in body(message)


# --- Forecast ---------------------------------------------------------------------------------


def test_the_wallet_api_gives_the_forecast_after_the_basket_and_the_pace(client, parent, canteen):
    service, meal, _calendar = canteen
    alice = BeneficiaryFactory(account=parent, first_name="Alice")
    today = timezone.localdate()
    # Every Monday of the last four weeks: a usual Monday costs 3,30 €.
    last_monday = today - timedelta(days=today.weekday() or 7)
    for week in range(4):
        make_booking(
            alice, service=service, tariff_option=meal, day=last_monday - timedelta(weeks=week)
        )
    top_up(parent, "10.00")
    add_meals(parent, meal, [(alice, MEAL_DAY)])
    client.force_login(parent)

    forecast = client.get("/api/wallet/").json()["forecast"]

    assert forecast["balance"] == "10.00"
    assert forecast["basket"] == "3.30"
    assert forecast["after"] == "6.70"
    assert forecast["status"] == "until"
    until = date.fromisoformat(forecast["enough_until"])
    # 6,70 € pays two Mondays: enough until the day before the third.
    mondays = [d for d in (today + timedelta(days=n) for n in range(22)) if d.weekday() == 0]
    assert until == mondays[2] - timedelta(days=1)
    assert forecast["display"].startswith("assez jusqu'au ")


def test_without_bookings_lately_the_forecast_tells_no_date(client, parent):
    top_up(parent, "5.00")
    client.force_login(parent)

    forecast = client.get("/api/wallet/").json()["forecast"]

    assert forecast["status"] == "no_habit"
    assert forecast["enough_until"] is None


@pytest.mark.parametrize("page", ["/espace/", "/espace/porte-monnaie/"])
def test_the_space_home_and_the_wallet_show_the_forecast(client, parent, canteen, page):
    _service, meal, _calendar = canteen
    alice = BeneficiaryFactory(account=parent, first_name="Alice")
    top_up(parent, "2.00")
    add_meals(parent, meal, [(alice, MEAL_DAY)])
    client.force_login(parent)

    text = client.get(page).content.decode().replace("\xa0", " ")

    assert "Prévision du porte-monnaie" in text
    assert "Il manque 1,30 €" in text


def test_the_order_confirmation_page_shows_the_forecast(
    client, parent, canteen, django_capture_on_commit_callbacks
):
    _service, meal, _calendar = canteen
    basket = book_two_meals(parent, meal)
    client.force_login(parent)
    with django_capture_on_commit_callbacks(execute=True):
        number = checkout(client, basket, "wallet").json()["number"]

    text = client.get(f"/espace/commandes/{number}/confirmation/").content.decode()

    assert "Prévision du porte-monnaie" in text


@pytest.mark.parametrize("count", [5, 50])
def test_the_forecast_reads_a_fixed_number_of_queries(
    parent, canteen, count, django_assert_max_num_queries
):
    service, meal, _calendar = canteen
    alice = BeneficiaryFactory(account=parent)
    today = timezone.localdate()
    for n in range(count):
        make_booking(alice, service=service, tariff_option=meal, day=today - timedelta(days=n + 1))
    with django_assert_max_num_queries(5):
        forecast_of(parent, today=today)


def test_a_closure_sends_its_own_email_and_no_cancellation_confirmation(
    client, parent, canteen, django_capture_on_commit_callbacks
):
    service, meal, _calendar = canteen
    first, _second = paid_bookings(client, parent, meal, django_capture_on_commit_callbacks)
    agent = AgentFactory()

    with django_capture_on_commit_callbacks(execute=True):
        close_day(service, first.date, "Grève", agent)

    assert [message.subject for message in mail.outbox] == [
        f"Fermeture exceptionnelle : Cantine de Rosières le {first.date:%d/%m/%Y}"
    ]


def test_an_order_paid_later_by_card_is_confirmed_once_when_the_gateway_says_so(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    from tests.functional.test_checkout_payment import FakeGateway, fill_basket, report
    from tests.shop_data import make_service
    from wallet.models import CardPayment

    fake = FakeGateway()
    monkeypatch.setattr("wallet.gateways.gateway_for", lambda commune=None: fake)
    payer = ParentFactory()
    client.force_login(payer)
    _service, (child_meal,) = make_service(
        PartnerFactory(name="Rosières"), "Cantine de Rosières", {"Repas enfant": "3.30"}
    )
    basket = fill_basket(payer, child_meal)
    with django_capture_on_commit_callbacks(execute=True):
        checkout(client, basket, "card")
    assert mail.outbox == []  # placed awaiting its card payment: nothing to confirm yet

    payment = CardPayment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        report(payment, "succeeded")
        report(payment, "succeeded")

    (message,) = mail.outbox
    assert message.subject.endswith(" payée")
    assert message.to == [payer.email]
