"""The booking pages of the parent front end: the month calendar (/espace/reserver/), the basket
(/espace/panier/), the checkout (/espace/panier/paiement/), the card payment step and the order
confirmation. Plain forms, through Django's test client, on the services the API calls."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from reservations.basket import add_meals_to_basket, basket_summary
from reservations.calendars import open_days_for
from reservations.models import Booking, BookingStatus, Closure
from reservations.rules import PARIS
from tests.booking_factories import make_booking, top_up
from tests.factories import ParentFactory, PendingParentFactory
from tests.planning_factories import NOW, make_canteen, make_family
from tests.reservations_factories import BeneficiaryFactory
from wallet.gateways import GatewayPayment
from wallet.models import AccountKind, CardPayment, LedgerAccount

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Line = get_model("basket", "Line")
Order = get_model("order", "Order")

PLANNING = reverse("portail:planning")
BASKET = reverse("portail:basket")
CHECKOUT = reverse("portail:checkout")
DECEMBER = "2026-12"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _offline_gateway(settings):
    # No Stripe keys: the card part goes through the offline test gateway, as in `make run`.
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def family(canteen, client):
    _service, children, _adults = canteen
    family = make_family(children)
    client.force_login(family.parent)
    return family


def calendar_url(service, children, month=DECEMBER):
    query = "&".join(f"enfant={child.pk}" for child in children)
    return f"{PLANNING}?service={service.pk}&mois={month}&{query}"


def meal(child, day: str) -> str:
    return f"{child.pk}:{day}"


def add(client, service, children, **data):
    return client.post(
        PLANNING,
        {"service": service.pk, "mois": DECEMBER, "enfant": [c.pk for c in children], **data},
    )


def fill_basket(family, service, dates):
    add_meals_to_basket(
        account=family.parent,
        service_id=service.pk,
        beneficiary_ids=[c.pk for c in family.children],
        dates=dates,
        now=NOW,
    )


def general_pot(parent) -> Decimal:
    pot = LedgerAccount.objects.filter(owner=parent, kind=AccountKind.GENERAL_POT).first()
    return pot.balance if pot else Decimal("0.00")


def pay(client, method):
    """Open the checkout page, then submit its form as shown."""
    page = client.get(CHECKOUT)
    form = page.context["form"]
    return client.post(
        CHECKOUT,
        {
            "payment_method": method,
            "basket": form.initial["basket"],
            "total": form.initial["total"],
        },
    )


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PLANNING, BASKET, CHECKOUT])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portail:login"))
    assert "next=" in response["Location"]


def test_an_account_awaiting_validation_sees_the_waiting_page(client):
    client.force_login(PendingParentFactory())

    response = client.get(PLANNING)

    assert response.status_code == 302
    assert response["Location"] == reverse("portail:awaiting_validation")


def test_a_family_without_accepted_access_is_told_to_ask_for_one(client):
    client.force_login(ParentFactory())

    response = client.get(PLANNING)

    assert response.status_code == 200
    assert "Vous n'avez encore accès à aucun service" in response.content.decode()


# --- The month calendar ----------------------------------------------------------------------


def test_the_calendar_shows_each_childs_day_states_prices_and_deadlines(
    clock, client, canteen, family
):
    service, children, _ = canteen
    eldest, youngest = family.children
    make_booking(eldest, service=service, tariff_option=children, day=date(2026, 12, 7))
    Closure.objects.create(calendar=service.calendar, date=date(2026, 12, 4), reason="Grève")
    add_meals_to_basket(
        account=family.parent,
        service_id=service.pk,
        beneficiary_ids=[youngest.pk],
        dates=[date(2026, 12, 8)],
        now=NOW,
    )

    response = client.get(calendar_url(service, family.children))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Cantine de Rosières — Décembre 2026" in page
    assert page.count('<th scope="col">') >= 8  # the week column and the seven weekdays
    # Bookable: one checkbox per child, priced, with its booking deadline (J-2 working days).
    assert f'value="{meal(eldest, "2026-12-01")}"' in page
    assert f'value="{meal(youngest, "2026-12-01")}"' in page
    assert "3,30\u00a0€" in page
    assert "avant le 27/11 10:00" in page
    # Closed days say why; Wednesday is not a canteen day.
    assert "Fermeture exceptionnelle : Grève" in page
    assert "Jour non travaillé" in page
    assert f'value="{meal(eldest, "2026-12-02")}"' not in page
    # Booked and in the basket are told in words, not only by colour.
    assert f'value="{meal(eldest, "2026-12-07")}"' not in page
    assert "Réservé" in page
    assert "Dans le panier" in page
    # Full deadlines in the details list under the calendar.
    assert "le 27/11 à 10:00" in page
    links = response.context
    assert links["previous_url"].endswith(f"mois=2026-11&enfant={eldest.pk}&enfant={youngest.pk}")


def test_the_calendar_costs_the_same_queries_for_one_and_three_children(clock, client, canteen):
    service, children, _ = canteen
    family = make_family(children, children=3)
    client.force_login(family.parent)
    client.get(calendar_url(service, family.children[:1]))  # warm caches (options, site)

    with CaptureQueriesContext(connection) as one:
        client.get(calendar_url(service, family.children[:1]))
    with CaptureQueriesContext(connection) as three:
        response = client.get(calendar_url(service, family.children))

    assert response.status_code == 200
    assert len(three) == len(one)
    assert len(one) <= 22  # 20 today: session, user, the family, month_calendar, theme


def test_the_calendar_defaults_to_the_first_service_this_month_and_its_children(
    clock, client, canteen, family
):
    response = client.get(PLANNING)

    assert response.status_code == 200
    selection = response.context["selection"]
    assert selection.service_id == canteen[0].pk
    assert selection.month == date(2026, 11, 1)
    assert sorted(selection.child_ids) == sorted(c.pk for c in family.children)


def test_late_in_a_month_with_no_day_left_to_book_the_calendar_opens_on_the_next(
    client, canteen, family
):
    # Monday 30 November is the last school day of the month; its deadline has passed.
    with time_machine.travel(datetime(2026, 11, 27, 12, 0, tzinfo=PARIS), tick=False):
        client.force_login(family.parent)  # a session opened at another time has expired
        response = client.get(PLANNING)
        chosen = client.get(f"{PLANNING}?mois=2026-11")

    assert response.context["selection"].month == date(2026, 12, 1)
    # A month the parent asked for is shown as asked.
    assert chosen.context["selection"].month == date(2026, 11, 1)


def test_another_parents_child_in_the_calendar_is_not_found(clock, client, canteen, family):
    stranger = BeneficiaryFactory(account=ParentFactory())

    response = client.get(calendar_url(canteen[0], [stranger]))

    assert response.status_code == 404


# --- Adding to the basket --------------------------------------------------------------------


def test_ticked_days_are_added_to_the_basket_with_their_prices(clock, client, canteen, family):
    service, _, _ = canteen
    eldest, youngest = family.children

    response = add(
        client,
        service,
        family.children,
        repas=[
            meal(eldest, "2026-12-01"),
            meal(youngest, "2026-12-01"),
            meal(eldest, "2026-12-03"),
        ],
    )

    assert response.status_code == 302
    assert response["Location"] == calendar_url(service, family.children)
    summary = basket_summary(family.parent)
    assert summary.lines_count == 3
    prices = {
        (line.beneficiary["id"], day.date): line.price for day in summary.days for line in day.lines
    }
    assert prices == {
        (eldest.pk, date(2026, 12, 1)): Decimal("3.30"),
        (youngest.pk, date(2026, 12, 1)): Decimal("2.90"),  # second child that day
        (eldest.pk, date(2026, 12, 3)): Decimal("3.30"),
    }
    page = client.get(response["Location"]).content.decode()
    assert "3 repas ajoutés au panier." in page
    assert "Dans le panier" in page


def test_a_refused_day_adds_nothing_and_shows_the_reason_on_that_day(
    clock, client, canteen, family
):
    service, children, _ = canteen
    eldest, _youngest = family.children
    make_booking(eldest, service=service, tariff_option=children, day=date(2026, 12, 7))

    response = add(
        client,
        service,
        family.children,
        repas=[
            meal(eldest, "2026-12-01"),
            meal(eldest, "2026-12-02"),  # a Wednesday: closed
            meal(eldest, "2026-12-07"),  # already booked
        ],
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Aucun repas n'a été ajouté" in page.replace("&#x27;", "'")
    assert "Jour fermé : Jour non travaillé." in page
    assert "Ce repas est déjà réservé." in page
    assert 'href="#jour-2026-12-02"' in page
    # The ticked day that was fine stays ticked for another try.
    assert f'value="{meal(eldest, "2026-12-01")}" id="repas-{eldest.pk}-2026-12-01" checked' in (
        page
    )
    assert not Line.objects.exists()


def test_ticking_nothing_says_what_to_do(clock, client, canteen, family):
    response = add(client, canteen[0], family.children)

    assert response.status_code == 400
    assert "Cochez au moins un jour à réserver" in response.content.decode()


def test_another_parents_child_cannot_be_added(clock, client, canteen, family):
    stranger = BeneficiaryFactory(account=ParentFactory())

    response = add(client, canteen[0], family.children, repas=[meal(stranger, "2026-12-01")])

    assert response.status_code == 404
    assert not Line.objects.exists()


def test_a_week_at_once_adds_its_bookable_days_for_every_child_shown(
    clock, client, canteen, family
):
    service, children, _ = canteen
    eldest, youngest = family.children
    make_booking(eldest, service=service, tariff_option=children, day=date(2026, 12, 3))

    # The week of Monday 30 November, within December: Tue 1, Thu 3, Fri 4 are canteen days.
    response = add(client, service, family.children, semaine="2026-11-30")

    assert response.status_code == 302
    meals = {
        (line.beneficiary["id"], day.date)
        for day in basket_summary(family.parent).days
        for line in day.lines
    }
    # The day already booked is left out rather than refusing the whole week.
    assert meals == {
        (eldest.pk, date(2026, 12, 1)),
        (eldest.pk, date(2026, 12, 4)),
        (youngest.pk, date(2026, 12, 1)),
        (youngest.pk, date(2026, 12, 3)),
        (youngest.pk, date(2026, 12, 4)),
    }
    assert "5 repas ajoutés au panier." in client.get(response["Location"]).content.decode()


def test_the_whole_month_at_once_adds_every_open_day(clock, client, canteen, family):
    service, _, _ = canteen
    open_days = open_days_for(service, date(2026, 12, 1), date(2026, 12, 31))

    response = add(client, service, family.children[:1], mois_entier="1")

    assert response.status_code == 302
    assert basket_summary(family.parent).lines_count == len(open_days) > 0


# --- The basket ------------------------------------------------------------------------------


def test_the_basket_lists_meals_by_day_with_the_total(clock, client, canteen, family):
    fill_basket(family, canteen[0], [date(2026, 12, 1), date(2026, 12, 3)])

    response = client.get(BASKET)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Mardi 1 décembre 2026" in page
    assert "Jeudi 3 décembre 2026" in page
    assert str(family.children[1]) in page
    assert "12,40\u00a0€" in page  # (3.30 + 2.90) × 2
    assert "Continuer mes réservations" in page
    assert f'href="{CHECKOUT}"' in page


def test_an_empty_basket_says_so(clock, client, family):
    response = client.get(BASKET)

    assert "Votre panier est vide." in response.content.decode()


def test_one_meal_is_removed_with_its_own_button(clock, client, canteen, family):
    fill_basket(family, canteen[0], [date(2026, 12, 1)])
    line = Line.objects.order_by("pk").first()

    response = client.post(BASKET, {"retirer": line.pk})

    assert response.status_code == 302
    assert list(Line.objects.values_list("pk", flat=True)) != [line.pk]
    assert Line.objects.count() == 1
    assert "1 repas retiré du panier." in client.get(BASKET).content.decode()


def test_ticked_meals_are_removed_together(clock, client, canteen, family):
    fill_basket(family, canteen[0], [date(2026, 12, 1), date(2026, 12, 3)])
    ids = list(Line.objects.order_by("pk").values_list("pk", flat=True))

    client.post(BASKET, {"ligne": ids[:3]})

    assert list(Line.objects.values_list("pk", flat=True)) == ids[3:]


def test_another_parents_basket_lines_are_left_alone(clock, client, canteen, family):
    _, children, _ = canteen
    other = make_family(children, children=1)
    fill_basket(other, canteen[0], [date(2026, 12, 1)])
    theirs = Line.objects.get()

    client.post(BASKET, {"retirer": theirs.pk})

    assert Line.objects.filter(pk=theirs.pk).exists()


# --- Checkout --------------------------------------------------------------------------------


def test_paying_by_wallet_places_a_paid_order_books_the_meals_and_debits_the_wallet(
    clock, client, canteen, family
):
    fill_basket(family, canteen[0], [date(2026, 12, 1)])
    top_up(family.parent, "10.00")

    page = client.get(CHECKOUT)
    assert page.status_code == 200
    assert "6,20\u00a0€" in page.content.decode()
    assert "10,00\u00a0€" in page.content.decode()
    assert 'data-loading="Paiement en cours…"' in page.content.decode()
    response = pay(client, "wallet")

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "portail:order_confirmation", kwargs={"number": order.number}
    )
    assert order.status == "Payée"
    assert general_pot(family.parent) == Decimal("3.80")
    bookings = Booking.objects.filter(order_number=order.number)
    assert sorted(b.beneficiary_id for b in bookings) == sorted(c.pk for c in family.children)
    assert {b.status for b in bookings} == {BookingStatus.CONFIRMED}
    confirmation = client.get(response["Location"]).content.decode()
    assert f"Votre commande {order.number} est payée." in confirmation
    assert "Mardi 1 décembre 2026" in confirmation
    assert basket_summary(family.parent).lines_count == 0


def test_the_same_payment_sent_twice_places_one_order_and_debits_once(
    clock, client, canteen, family
):
    fill_basket(family, canteen[0], [date(2026, 12, 1)])
    top_up(family.parent, "10.00")
    form = client.get(CHECKOUT).context["form"]
    data = {"payment_method": "wallet", **{k: form.initial[k] for k in ("basket", "total")}}

    first = client.post(CHECKOUT, data)
    again = client.post(CHECKOUT, data)

    assert first["Location"] == again["Location"]
    assert Order.objects.count() == 1
    assert general_pot(family.parent) == Decimal("3.80")


def test_a_wallet_short_of_money_shows_the_missing_amount_and_changes_nothing(
    clock, client, canteen, family
):
    fill_basket(family, canteen[0], [date(2026, 12, 1)])
    top_up(family.parent, "5.00")

    response = pay(client, "wallet")

    assert response.status_code == 400
    page = response.content.decode()
    assert "il manque 1,20\u00a0€" in page
    assert f'href="{reverse("portail:wallet")}"' in page
    assert not Order.objects.exists()
    assert general_pot(family.parent) == Decimal("5.00")
    assert basket_summary(family.parent).lines_count == 2


def test_a_basket_changed_since_the_page_was_shown_is_not_paid(clock, client, canteen, family):
    fill_basket(family, canteen[0], [date(2026, 12, 1)])
    top_up(family.parent, "20.00")
    form = client.get(CHECKOUT).context["form"]
    add_meals_to_basket(
        account=family.parent,
        service_id=canteen[0].pk,
        beneficiary_ids=[family.children[0].pk],
        dates=[date(2026, 12, 3)],
        now=NOW,
    )

    response = client.post(
        CHECKOUT,
        {"payment_method": "wallet", "basket": form.initial["basket"], "total": "6.20"},
    )

    assert response.status_code == 400
    assert "Le total de votre panier est de 9,50\u00a0€" in response.content.decode()
    assert not Order.objects.exists()


def test_another_parents_basket_cannot_be_paid(clock, client, canteen, family):
    _, children, _ = canteen
    other = make_family(children, children=1)
    fill_basket(other, canteen[0], [date(2026, 12, 1)])
    theirs = Basket.objects.get(owner=other.parent)

    response = client.post(
        CHECKOUT, {"payment_method": "wallet", "basket": theirs.pk, "total": "3.30"}
    )

    assert response.status_code == 404
    assert not Order.objects.exists()


def test_paying_by_card_with_the_offline_gateway_asks_for_the_test_confirmation(
    clock, client, canteen, family
):
    fill_basket(family, canteen[0], [date(2026, 12, 1)])

    response = pay(client, "card")

    order = Order.objects.get()
    payment_url = reverse("portail:order_payment", kwargs={"number": order.number})
    assert response.status_code == 302
    assert response["Location"] == payment_url
    assert order.status == "En attente de paiement"
    page = client.get(payment_url).content.decode()
    assert "Paiement de test (aucun débit réel)" in page
    assert "Confirmer le paiement de test de 6,20\u00a0€" in page
    assert "js.stripe.com" not in page

    confirmed = client.post(payment_url)

    assert confirmed["Location"] == reverse(
        "portail:order_confirmation", kwargs={"number": order.number}
    )
    order.refresh_from_db()
    assert order.status == "Payée"
    assert CardPayment.objects.get().status == "succeeded"
    assert {b.status for b in Booking.objects.all()} == {BookingStatus.CONFIRMED}


def test_wallet_then_card_debits_the_wallet_and_leaves_the_rest_to_the_card(
    clock, client, canteen, family
):
    fill_basket(family, canteen[0], [date(2026, 12, 1)])
    top_up(family.parent, "5.00")

    response = pay(client, "wallet+card")

    order = Order.objects.get()
    assert response["Location"] == reverse("portail:order_payment", kwargs={"number": order.number})
    assert general_pot(family.parent) == Decimal("0.00")
    assert CardPayment.objects.get().amount == Decimal("1.20")
    page = client.get(response["Location"]).content.decode()
    assert "Confirmer le paiement de test de 1,20\u00a0€" in page


class StripeLikeGateway:
    """Stands at our gateway boundary (wallet.gateways.gateway_for) with Stripe's answers: the
    page must hand Stripe.js the publishable key and the PaymentIntent's client secret."""

    code = "stripe"
    label = "Carte bancaire"
    is_test = False
    publishable_key = "pk_test_portail"

    def create_payment(self, *, amount, reference, description, idempotency_key):
        return GatewayPayment(
            gateway=self.code,
            reference="pi_123",
            amount=amount,
            currency="EUR",
            status="pending",
            client_secret="pi_123_secret_456",
            metadata={"reference": reference},
        )

    def retrieve_payment(self, gateway_reference):
        return self.create_payment(amount=None, reference="", description="", idempotency_key="")


def test_with_stripe_the_payment_page_loads_stripe_js_with_the_client_secret(
    clock, client, canteen, family, monkeypatch
):
    monkeypatch.setattr("wallet.gateways.gateway_for", lambda commune=None: StripeLikeGateway())
    fill_basket(family, canteen[0], [date(2026, 12, 1)])

    response = pay(client, "card")
    page = client.get(response["Location"]).content.decode()

    assert '<script src="https://js.stripe.com/v3/"' in page
    assert 'data-publishable-key="pk_test_portail"' in page
    assert 'data-client-secret="pi_123_secret_456"' in page
    assert "Payer 6,20\u00a0€ par carte" in page


def test_another_parents_order_is_not_found(clock, client, canteen, family):
    _, children, _ = canteen
    other = make_family(children, children=1)
    fill_basket(other, canteen[0], [date(2026, 12, 1)])
    client.force_login(other.parent)
    pay(client, "card")
    order = Order.objects.get()
    client.force_login(family.parent)

    for name in ("order_confirmation", "order_payment"):
        response = client.get(reverse(f"portail:{name}", kwargs={"number": order.number}))
        assert response.status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_meal_date_out_of_any_calendar_is_refused_not_a_server_error(
    clock, client, canteen, family, day
):
    response = add(client, canteen[0], family.children, repas=[meal(family.children[0], day)])

    assert response.status_code == 400
    assert not Line.objects.exists()
