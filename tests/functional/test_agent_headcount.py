"""The agents' headcount of a service on a day, its CSV export, and cancelling a meal on a
parent's behalf from it — each limited to the agent's communes."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reservations.models import Booking, BookingStatus
from tests.booking_factories import MEAL_DAY, OTHER_MEAL_DAY, make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import service_pot
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

HEADCOUNT = "/dashboard/familles/effectifs/"
EXPORT = "/dashboard/familles/effectifs/export.csv"


def cancel_url(booking):
    return f"{HEADCOUNT}reservations/{booking.pk}/annuler/"


def query(service, day=MEAL_DAY):
    return {"service": service.pk, "date": day.isoformat()}


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    return make_canteen(rosieres)


@pytest.fixture
def bains_canteen():
    return make_canteen(PartnerFactory(name="Bains"), title="Cantine de Bains")


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres], first_name="Agnès", last_name="Mairie")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def child(last_name, first_name, school_class="", **fields):
    parent = ParentFactory(first_name="Parent", last_name=last_name)
    return BeneficiaryFactory(
        account=parent,
        last_name=last_name,
        first_name=first_name,
        school_class=school_class,
        **fields,
    )


def book(beneficiary, canteen, **fields):
    service, meal, _ = canteen
    return make_booking(beneficiary, service=service, tariff_option=meal, **fields)


def test_the_headcount_lists_active_bookings_by_class_then_name(agent_client, canteen):
    zoe = book(child("Zola", "Zoé", "CP"), canteen)
    adam = book(child("Abel", "Adam", "CE1"), canteen)
    lea = book(child("Bernard", "Léa", "CP"), canteen, status=BookingStatus.PENDING_PAYMENT)
    book(child("Annulé", "Paul", "CP"), canteen, status=BookingStatus.CANCELLED)
    book(child("Autrejour", "Max", "CP"), canteen, day=OTHER_MEAL_DAY)

    response = agent_client.get(HEADCOUNT, query(canteen[0]))

    assert response.status_code == 200
    headcount = response.context["headcount"]
    assert [(group.school_class, group.bookings) for group in headcount.groups] == [
        ("CP", [lea, zoe]),
        ("CE1", [adam]),
    ]
    assert (headcount.total, headcount.confirmed, headcount.pending_payment) == (3, 2, 1)
    page = response.content.decode()
    assert "Bernard Léa" in page and "Zola Zoé" in page and "Abel Adam" in page
    assert "En attente du paiement" in page
    assert "Paul" not in page and "Max" not in page


def test_the_headcount_flags_pai_with_its_details_and_the_family(agent_client, canteen):
    book(child("Martin", "Hugo", "CE2", has_pai=True, pai_details="Allergie arachide"), canteen)

    response = agent_client.get(HEADCOUNT, query(canteen[0]))

    assert response.context["headcount"].with_pai == 1
    page = response.content.decode()
    assert "PAI" in page and "Allergie arachide" in page
    assert "Parent Martin" in page


def test_without_a_query_the_page_offers_only_the_agents_services(agent_client, canteen):
    response = agent_client.get(HEADCOUNT)

    assert response.status_code == 200
    assert response.context["headcount"].service == canteen[0]
    assert list(response.context["form"].fields["service"].queryset) == [canteen[0]]


def test_another_communes_service_is_a_404(agent_client, canteen, bains_canteen):
    book(child("Bainsois", "Paul", "CP"), bains_canteen)

    assert agent_client.get(HEADCOUNT, query(bains_canteen[0])).status_code == 404
    assert agent_client.get(EXPORT, query(bains_canteen[0])).status_code == 404


def test_the_headcount_needs_the_review_permission(client, rosieres, canteen):
    parent = ParentFactory()
    client.force_login(parent)

    response = client.get(HEADCOUNT, query(canteen[0]))

    assert response.status_code in (302, 403)


@pytest.mark.parametrize("url", [HEADCOUNT, EXPORT])
def test_the_headcount_costs_the_same_queries_for_3_and_30_bookings(
    agent_client, rosieres, canteen, url
):
    def queries_for(count, service):
        for index in range(count):
            book(child(f"Nom{index:02}", "Enfant", "CP" if index % 2 else "CM1"), service)
        # The school holidays are cached once for every request after: not counted.
        agent_client.get(url, query(service[0]))
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get(url, query(service[0]))
        assert response.status_code == 200
        return len(queries)

    few = queries_for(3, canteen)
    many = queries_for(30, make_canteen(rosieres, title="Garderie de Rosières"))

    assert few == many


def test_the_csv_export_is_semicolon_separated_utf8_with_bom_and_french_header(
    agent_client, canteen
):
    book(child("Étienne", "Chloé", "CP", has_pai=True, pai_details="Sans gluten"), canteen)
    book(child("Abel", "Adam", "CE1"), canteen)

    response = agent_client.get(EXPORT, query(canteen[0]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Classe",
        "Nom",
        "Prénom",
        "PAI",
        "Détails du PAI",
        "Famille",
        "E-mail de la famille",
        "Statut",
        "Régime",
    ]
    assert [row[:5] for row in rows[1:]] == [
        ["CP", "Étienne", "Chloé", "Oui", "Sans gluten"],
        ["CE1", "Abel", "Adam", "Non", ""],
    ]
    assert rows[1][5] == "Parent Étienne"
    assert rows[1][-1] == "Repas standard"


def test_an_export_without_a_day_is_a_400(agent_client, canteen):
    assert agent_client.get(EXPORT, {"service": canteen[0].pk}).status_code == 400


# --- Cancelling on a parent's behalf --------------------------------------------------------


def test_an_agent_cancels_a_meal_past_its_deadline_and_the_pot_is_refunded(
    agent_client, agent, canteen
):
    lea = child("Bernard", "Léa", "CP")
    # Cancellation closed long ago for parents: the agent may still cancel.
    booking = book(lea, canteen, day=canteen[2].opening_periods.get().start)

    response = agent_client.post(cancel_url(booking))

    assert response.status_code == 302
    assert response["Location"] == (
        f"{HEADCOUNT}?service={canteen[0].pk}&date={booking.date.isoformat()}"
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert (booking.cancelled_by, booking.cancelled_by_role) == (agent, "agent")
    assert booking.cancellation_reason == "Annulé par la mairie"
    assert service_pot(lea.account, canteen[0]) == Decimal("3.30")


def test_the_headcount_offers_a_cancel_button_per_paid_booking(agent_client, canteen):
    paid = book(child("Abel", "Adam", "CP"), canteen)
    pending = book(child("Zola", "Zoé", "CP"), canteen, status=BookingStatus.PENDING_PAYMENT)

    page = agent_client.get(HEADCOUNT, query(canteen[0])).content.decode()

    assert cancel_url(paid) in page
    assert cancel_url(pending) not in page


def test_cancelling_a_booking_of_another_commune_is_a_404(agent_client, bains_canteen):
    booking = book(child("Bainsois", "Paul", "CP"), bains_canteen)

    assert agent_client.post(cancel_url(booking)).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancelling_twice_refunds_once_and_says_why(agent_client, canteen):
    lea = child("Bernard", "Léa", "CP")
    booking = book(lea, canteen)
    agent_client.post(cancel_url(booking))

    response = agent_client.post(cancel_url(booking), follow=True)

    assert "déjà annulée" in response.content.decode()
    assert service_pot(lea.account, canteen[0]) == Decimal("3.30")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED


def test_cancelling_needs_a_post(agent_client, canteen):
    booking = book(child("Abel", "Adam", "CP"), canteen)

    assert agent_client.get(cancel_url(booking)).status_code == 405
