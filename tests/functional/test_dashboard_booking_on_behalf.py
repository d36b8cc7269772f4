"""The agents' booking screen (/dashboard/reserver/, shop/dashboard/bookings/): an agent finds a
family of their commune, books meals for a child paid from the family's porte-monnaie, and sees
each refusal in French with nothing changed; a parent never opens it."""

import html
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from oscar.core.loading import get_model

from reservations.models import Booking, BookingStatus, Closure
from tests.booking_factories import top_up
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import general_pot, service_pot
from tests.planning_factories import NOW, accept, make_canteen
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Line = get_model("basket", "Line")
Order = get_model("order", "Order")

FAMILIES = "/dashboard/reserver/"
# Tuesday, Thursday and Friday of the first week of December 2026: open days, a month ahead.
DAYS = "01/12/2026, 03/12/2026 04/12/2026"
BOOKED_DAYS = [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 4)]


def book_url(family):
    return f"{FAMILIES}{family.pk}/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    service, children, _ = make_canteen(rosieres)
    return service, children


@pytest.fixture
def bains_canteen():
    service, children, _ = make_canteen(PartnerFactory(name="Bains"), title="Cantine de Bains")
    return service, children


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres], first_name="Camille", last_name="Durand")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def claire(canteen):
    """Claire Martin, her daughter Léa with access accepted to Rosières' canteen (3,30 € a
    meal), and 20 € in her porte-monnaie."""
    parent = ParentFactory(first_name="Claire", last_name="Martin", email="claire@example.org")
    lea = BeneficiaryFactory(account=parent, first_name="Léa", last_name="Martin")
    accept(parent, canteen[1], [lea])
    top_up(parent, "20.00")
    return parent, lea


def form_data(service, beneficiaries, **extra):
    data = {"service": service.pk, "beneficiaries": [b.pk for b in beneficiaries]}
    data.update(extra)
    return data


def snapshot(parent):
    return (
        Order.objects.count(),
        Booking.objects.count(),
        Basket.objects.filter(owner=parent).count(),
        Line.objects.filter(basket__owner=parent).count(),
        general_pot(parent),
    )


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_the_menu_links_the_booking_screen_next_to_the_headcount_and_its_cancellations(
    agent_client,
):
    menu = agent_client.get("/dashboard/").content.decode()

    assert 'href="/dashboard/reserver/"' in menu
    assert "Réserver pour une famille" in menu
    # Cancelling on a family's behalf: the "Annuler" buttons of the day's headcount.
    assert 'href="/dashboard/familles/effectifs/"' in menu


def test_the_list_finds_the_families_of_the_agents_communes_by_name_or_email(
    agent_client, claire, bains_canteen
):
    other = ParentFactory(first_name="Paul", last_name="Bainsois")
    accept(other, bains_canteen[1], [BeneficiaryFactory(account=other)])

    listed = page(agent_client.get(FAMILIES))
    found = page(agent_client.get(FAMILIES, {"q": "claire@"}))
    missed = page(agent_client.get(FAMILIES, {"q": "Dupont"}))

    assert "Claire Martin" in listed and book_url(claire[0]) in listed
    assert "Bainsois" not in listed
    assert book_url(claire[0]) in found
    assert "Aucune famille trouvée." in missed
    assert agent_client.get(book_url(other)).status_code == 404


def test_an_agent_books_three_days_for_a_child_paid_from_the_familys_wallet(
    agent_client, agent, claire, canteen
):
    parent, lea = claire
    service, option = canteen
    shown = page(agent_client.get(book_url(parent)))
    assert "Réserver pour Claire Martin" in shown
    assert "20,00" in shown  # the porte-monnaie's balance
    assert "Cantine de Rosières" in shown and "Léa Martin" in shown

    response = agent_client.post(book_url(parent), form_data(service, [lea], dates=DAYS))

    assert response.status_code == 302
    assert response["Location"] == book_url(parent)
    order = Order.objects.get(user=parent)
    assert order.status == "Payée"
    bookings = Booking.objects.filter(order_number=order.number).order_by("date")
    assert [b.date for b in bookings] == BOOKED_DAYS
    assert {(b.beneficiary_id, b.status) for b in bookings} == {(lea.pk, BookingStatus.CONFIRMED)}
    assert {(b.booked_by_id, b.booked_by_role) for b in bookings} == {(agent.pk, "agent")}
    assert order.total_incl_tax == Decimal("9.90")
    assert general_pot(parent) == Decimal("10.10")
    after = page(agent_client.get(response["Location"]))
    assert f"Commande {order.number} : 3 repas réservés pour Claire Martin" in after
    assert "9,90\xa0€ débités de son porte-monnaie" in after
    assert "10,10" in after
    assert after.count("mardi 01/12/2026") == 1  # the coming meals, each with "Annuler"


def test_weekdays_between_two_dates_book_the_open_days_only(agent_client, claire, canteen):
    parent, lea = claire
    service, _ = canteen
    # Monday 30/11 to Sunday 06/12, Mondays and Wednesdays: the canteen shuts on Wednesdays.
    data = form_data(service, [lea], start="2026-11-30", end="2026-12-06", weekdays=["1", "3"])

    response = agent_client.post(book_url(parent), data)

    assert response.status_code == 302
    booked = Booking.objects.filter(account=parent).values_list("date", flat=True)
    assert list(booked) == [date(2026, 11, 30)]


def test_another_communes_service_is_neither_listed_nor_booked(agent_client, claire, bains_canteen):
    parent, lea = claire
    bains, bains_option = bains_canteen
    accept(parent, bains_option, [lea])
    before = snapshot(parent)

    shown = page(agent_client.get(book_url(parent)))
    response = agent_client.post(book_url(parent), form_data(bains, [lea], dates=DAYS))

    assert "Cantine de Bains" not in shown
    assert response.status_code == 200
    assert "Choisissez un service de votre commune." in page(response)
    assert snapshot(parent) == before


def test_the_services_refusal_of_another_communes_service_is_shown_and_changes_nothing(
    agent_client, claire, bains_canteen, monkeypatch
):
    """Should the form ever offer it, book_for_parent still refuses with PermissionDenied."""
    parent, lea = claire
    bains, bains_option = bains_canteen
    accept(parent, bains_option, [lea])
    monkeypatch.setattr(
        "shop.dashboard.bookings.views.bookable_services",
        lambda agent, family: type(bains).objects.filter(pk=bains.pk),
    )
    before = snapshot(parent)

    response = agent_client.post(book_url(parent), form_data(bains, [lea], dates=DAYS))

    assert response.status_code == 200
    shown = page(response)
    assert "Ce service n'est pas proposé par votre commune." in shown
    assert "Rien n'a été réservé ni débité." in shown
    assert snapshot(parent) == before


def test_refused_meals_show_each_reason_and_change_nothing(agent_client, claire, canteen):
    parent, lea = claire
    service, _ = canteen
    Closure.objects.create(calendar=service.calendar, date=date(2026, 12, 3), reason="Grève")
    before = snapshot(parent)

    response = agent_client.post(
        book_url(parent), form_data(service, [lea], dates=DAYS + ", 02/12/2026")
    )

    assert response.status_code == 200
    shown = page(response)
    assert "Aucun repas n'a été réservé :" in shown
    assert "Léa, le 03/12/2026 : Jour fermé" in shown and "Grève" in shown
    assert "Léa, le 02/12/2026 : Jour fermé" in shown  # a Wednesday
    assert snapshot(parent) == before


def test_a_wallet_shortfall_shows_the_missing_amount_and_changes_nothing(
    agent_client, claire, canteen
):
    parent, lea = claire
    service, _ = canteen
    before = snapshot(parent)

    # Seven meals at 3,30 € = 23,10 €: 3,10 € more than the 20 € of the porte-monnaie.
    response = agent_client.post(
        book_url(parent),
        form_data(service, [lea], dates=DAYS + ", 07/12/2026, 08/12/2026, 10/12/2026, 11/12/2026"),
    )

    assert response.status_code == 200
    shown = page(response)
    assert "Solde insuffisant dans le porte-monnaie : il manque 3,10\u00a0€." in shown
    assert "Rien n'a été réservé ni débité." in shown
    assert snapshot(parent) == before


def test_a_date_that_is_not_one_is_refused_by_the_form(agent_client, claire, canteen):
    parent, lea = claire
    service, _ = canteen

    response = agent_client.post(book_url(parent), form_data(service, [lea], dates="31/02/2026"))

    assert response.status_code == 200
    assert "« 31/02/2026 » n'est pas une date : écrivez-la JJ/MM/AAAA." in page(response)
    assert not Booking.objects.exists()


@pytest.mark.parametrize("dates", ["01/01/0001", "31/12/9999"])
def test_a_date_out_of_any_calendar_is_refused_by_the_form(agent_client, claire, canteen, dates):
    parent, lea = claire
    service, _ = canteen

    response = agent_client.post(book_url(parent), form_data(service, [lea], dates=dates))

    assert response.status_code == 200
    assert "Choisissez une date entre le 01/01/2000 et le 31/12/2099." in page(response)


def test_a_coming_meal_is_cancelled_from_the_family_page_and_refunded(
    agent_client, agent, claire, canteen
):
    parent, lea = claire
    service, _ = canteen
    agent_client.post(book_url(parent), form_data(service, [lea], dates="01/12/2026"))
    booking = Booking.objects.get(account=parent)
    shown = page(agent_client.get(book_url(parent)))
    assert f"/dashboard/familles/effectifs/reservations/{booking.pk}/annuler/" in shown

    response = agent_client.post(
        f"/dashboard/familles/effectifs/reservations/{booking.pk}/annuler/",
        {"next": book_url(parent)},
    )

    assert response.status_code == 302
    assert response["Location"] == book_url(parent)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_by == agent
    assert service_pot(parent, service) == Decimal("3.30")
    assert "Aucun repas réservé à venir" in page(agent_client.get(book_url(parent)))


def test_a_parent_opens_no_booking_screen_and_books_nothing(client, claire, canteen):
    parent, lea = claire
    service, _ = canteen
    client.force_login(parent)
    before = snapshot(parent)

    responses = [
        client.get(FAMILIES),
        client.get(book_url(parent)),
        client.post(book_url(parent), form_data(service, [lea], dates=DAYS)),
    ]

    for response in responses:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "login" in response["Location"]
    assert snapshot(parent) == before


# --- Scoping and escaping ----------------------------------------------------------------------


def raw(response) -> str:
    return response.content.decode()


def test_an_agent_of_another_commune_neither_sees_nor_books_for_the_family(
    client, claire, canteen, bains_canteen
):
    parent, lea = claire
    service, _ = canteen
    bains_agent = AgentFactory(communes=[bains_canteen[1].stockrecords.first().partner])
    client.force_login(bains_agent)
    before = snapshot(parent)

    listed = page(client.get(FAMILIES, {"q": "claire"}))
    shown = client.get(book_url(parent))
    posted = client.post(book_url(parent), form_data(service, [lea], dates=DAYS))

    assert "Claire" not in listed and book_url(parent) not in listed
    assert (shown.status_code, posted.status_code) == (404, 404)
    assert snapshot(parent) == before


def test_an_agent_of_no_commune_gets_no_family(client, claire, canteen):
    parent, lea = claire
    service, _ = canteen
    client.force_login(AgentFactory(communes=[]))
    before = snapshot(parent)

    assert "Aucune famille trouvée." in page(client.get(FAMILIES))
    assert client.get(book_url(parent)).status_code == 404
    assert client.post(book_url(parent), form_data(service, [lea], dates=DAYS)).status_code == 404
    assert snapshot(parent) == before


def test_a_staff_member_who_is_not_an_agent_opens_no_booking_screen(client, claire, canteen):
    parent, lea = claire
    service, _ = canteen
    client.force_login(ParentFactory(is_staff=True))
    before = snapshot(parent)

    for response in (
        client.get(FAMILIES),
        client.get(book_url(parent)),
        client.post(book_url(parent), form_data(service, [lea], dates=DAYS)),
    ):
        assert response.status_code in (302, 403)
    assert snapshot(parent) == before


def test_another_familys_child_cannot_be_booked_through_this_family(agent_client, claire, canteen):
    parent, _ = claire
    service, option = canteen
    other = ParentFactory()
    theirs = BeneficiaryFactory(account=other, first_name="Inès")
    accept(other, option, [theirs])
    before = (snapshot(parent), snapshot(other))

    response = agent_client.post(book_url(parent), form_data(service, [theirs], dates=DAYS))

    assert response.status_code == 200
    assert "Choisissez parmi les enfants de cette famille." in page(response)
    assert (snapshot(parent), snapshot(other)) == before


def test_names_typed_by_parents_are_shown_as_text_to_the_agent(agent_client, canteen):
    injected = '<img src=x onerror="alert(1)">'
    parent = ParentFactory(first_name=injected, last_name="Martin")
    child = BeneficiaryFactory(account=parent, first_name=injected, last_name="Martin")
    accept(parent, canteen[1], [child])

    for response in (agent_client.get(FAMILIES), agent_client.get(book_url(parent))):
        assert response.status_code == 200
        assert injected not in raw(response)
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in raw(response)
