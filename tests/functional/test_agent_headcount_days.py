"""Which day the agents' headcount shows: by default the next service day of the agent's first
service, with the service days before and after (closed days skipped); a closed day says why;
the rows go by class and group with PAI and diet columns; the page prints cleanly."""

import datetime

import pytest
import time_machine

from reservations.closures import ClosureRequest, close, close_day
from reservations.models import Diet
from reservations.rules import PARIS
from tests.booking_factories import make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

HEADCOUNT = "/dashboard/familles/effectifs/"
# Wednesday 13/03/2030: the canteen below opens on Monday, Tuesday, Thursday and Friday.
WEDNESDAY = datetime.date(2030, 3, 13)
TUESDAY, THURSDAY, FRIDAY = (WEDNESDAY + datetime.timedelta(days=n) for n in (-1, 1, 2))
NEXT_MONDAY = WEDNESDAY + datetime.timedelta(days=5)


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    service, meal, calendar = make_canteen(rosieres)
    calendar.open_weekdays = [1, 2, 4, 5]
    calendar.save()
    return service, meal, calendar


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres])


@pytest.fixture
def on_wednesday():
    with time_machine.travel(datetime.datetime(2030, 3, 13, 9, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def agent_client(client, agent, on_wednesday):
    # Logged in on the day travelled to: a session older than 2 hours has ended.
    client.force_login(agent)
    return client


def book(canteen, day, school_class="CP", group="", **fields):
    service, meal, _ = canteen
    beneficiary = BeneficiaryFactory(
        account=ParentFactory(), school_class=school_class, group=group, **fields
    )
    return make_booking(beneficiary, service=service, tariff_option=meal, day=day)


def get(client, canteen=None, day=None):
    query = {}
    if canteen:
        query["service"] = canteen[0].pk
    if day:
        query["date"] = day.isoformat()
    return client.get(HEADCOUNT, query)


def test_without_a_query_it_shows_the_next_service_day_of_the_first_service(
    agent_client, canteen, rosieres, on_wednesday
):
    make_canteen(rosieres, title="Garderie de Rosières")
    book(canteen, THURSDAY)

    response = get(agent_client)

    headcount = response.context["headcount"]
    assert (headcount.service, headcount.day) == (canteen[0], THURSDAY)
    assert headcount.total == 1
    page = response.content.decode()
    assert "Effectifs du jeudi 14 mars</h1>" in page
    assert response.context["form"].initial == {"service": canteen[0], "date": THURSDAY}


def test_a_service_open_today_shows_today(client, agent, canteen):
    with time_machine.travel(datetime.datetime(2030, 3, 12, 9, 0, tzinfo=PARIS), tick=False):
        client.force_login(agent)
        response = get(client, canteen)

    assert response.context["headcount"].day == TUESDAY


def test_previous_and_next_skip_the_days_the_service_does_not_open(
    agent_client, agent, canteen, on_wednesday
):
    close_day(canteen[0], FRIDAY, "Grève", by=agent)

    response = get(agent_client, canteen, THURSDAY)

    headcount = response.context["headcount"]
    assert (headcount.previous_day, headcount.next_day) == (TUESDAY, NEXT_MONDAY)
    page = response.content.decode()
    assert f"?service={canteen[0].pk}&amp;date=2030-03-12" in page
    assert f"?service={canteen[0].pk}&amp;date=2030-03-18" in page
    assert "Jour précédent (mardi 12 mars)" in page
    assert "Jour suivant (lundi 18 mars)" in page


def test_a_closed_day_says_why_instead_of_no_booking(agent_client, agent, canteen, on_wednesday):
    close_day(canteen[0], FRIDAY, "Grève des cantinières", by=agent)

    response = get(agent_client, canteen, FRIDAY)

    assert response.status_code == 200
    assert not response.context["headcount"].state.open
    page = response.content.decode()
    assert "Service fermé ce jour-là" in page
    assert "Fermeture exceptionnelle" in page and "Grève des cantinières" in page
    assert "Aucune réservation" not in page


def test_a_day_the_service_never_opens_says_so(agent_client, canteen, on_wednesday):
    page = get(agent_client, canteen, WEDNESDAY).content.decode()

    assert "Service fermé ce jour-là" in page
    assert "Aucune réservation" not in page


def test_a_class_closure_is_told_and_the_other_classes_still_eat(
    agent_client, agent, canteen, on_wednesday
):
    book(canteen, THURSDAY, "CP")
    ce1 = book(canteen, THURSDAY, "CE1")
    request = ClosureRequest(canteen[0], THURSDAY, THURSDAY, "Sortie scolaire", "CP")
    close(request, by=agent, token=None)

    response = get(agent_client, canteen, THURSDAY)

    headcount = response.context["headcount"]
    assert headcount.state.open
    assert headcount.bookings == [ce1]
    page = response.content.decode()
    assert "Classe CP" in page and "Sortie scolaire" in page


def test_rows_go_by_class_then_group_with_diet_and_pai_columns(agent_client, canteen, on_wednesday):
    book(canteen, THURSDAY, "CP", "Les Hiboux", last_name="Zola", diet=Diet.NO_PORK)
    book(canteen, THURSDAY, "CP", "", last_name="Abel")
    book(canteen, THURSDAY, "CP", "Les Hiboux", last_name="Bernard", has_pai=True,
         pai_details="Allergie arachide")  # fmt: skip
    book(canteen, THURSDAY, "CE1", "", last_name="Durand", diet=Diet.VEGETARIAN)

    response = get(agent_client, canteen, THURSDAY)

    groups = response.context["headcount"].groups
    assert [(g.label, [b.beneficiary.last_name for b in g.bookings]) for g in groups] == [
        ("CP", ["Abel"]),
        ("CP — Les Hiboux", ["Bernard", "Zola"]),
        ("CE1", ["Durand"]),
    ]
    assert groups[1].with_pai == 1
    assert groups[1].diets == {"": 1, "sans_porc": 1, "sans_viande": 0, "vegetarien": 0}
    assert response.context["headcount"].diets["vegetarien"] == 1
    page = response.content.decode()
    assert '<th scope="col">Régime</th>' in page
    assert '<th scope="col">Sans porc</th>' in page
    assert "Sans porc" in page and "Végétarien" in page and "Allergie arachide" in page


def test_the_page_is_printable_and_has_a_main_landmark(agent_client, canteen, on_wednesday):
    page = get(agent_client, canteen, THURSDAY).content.decode()

    assert "reservations/dashboard/print.css" in page
    assert 'class="card card-body no-print mb-3"' in page
    assert '<main id="main"' in page


def test_another_communes_service_is_a_404_and_not_offered(agent_client, canteen, on_wednesday):
    bains = make_canteen(PartnerFactory(name="Bains"), title="Cantine de Bains")
    book(bains, THURSDAY)

    assert get(agent_client, bains).status_code == 404
    assert get(agent_client, bains, THURSDAY).status_code == 404
    form = get(agent_client).context["form"]
    assert list(form.fields["service"].queryset) == [canteen[0]]


def test_an_agent_of_no_service_sees_an_explanation(client, on_wednesday):
    client.force_login(AgentFactory(communes=[PartnerFactory(name="Vide")]))

    response = client.get(HEADCOUNT)

    assert response.status_code == 200
    assert response.context["headcount"] is None


def test_a_service_chosen_without_a_day_shows_its_next_service_day_in_the_form(
    agent_client, canteen, on_wednesday
):
    response = get(agent_client, canteen)

    assert response.context["headcount"].day == THURSDAY
    assert 'value="2030-03-14"' in response.content.decode()
