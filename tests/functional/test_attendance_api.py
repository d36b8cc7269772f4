"""The agents' pointage API: one service day's children with PAI, diet and state, its marks
saved all or none, a billed day refused with its reason, another commune's service a 404, a
parent refused; and a number of queries that does not grow with the children."""

import pytest

from reservations.attendance import lock_attendance
from reservations.models import Attendance, AttendanceState, Diet, SchoolClass
from tests.booking_factories import MEAL_DAY, accept_access, make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

URL = "/api/attendance/"


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    return make_canteen(rosieres)


@pytest.fixture
def agent_client(client, rosieres):
    client.force_login(AgentFactory(communes=[rosieres]))
    return client


@pytest.fixture
def children(canteen):
    service, meal, _ = canteen
    parent = ParentFactory()
    lea = BeneficiaryFactory(
        account=parent,
        first_name="Léa",
        school_class=SchoolClass.CP,
        has_pai=True,
        pai_details="Gluten",
        diet=Diet.VEGETARIAN,
    )
    hugo = BeneficiaryFactory(account=parent, first_name="Hugo")
    accept_access(parent, meal, [lea, hugo])
    make_booking(lea, service=service, tariff_option=meal)
    return {"parent": parent, "lea": lea, "hugo": hugo}


def day(service):
    return {"service": service.pk, "date": MEAL_DAY.isoformat()}


def post(client, service, marks, **extra):
    return client.post(
        URL, {**day(service), "marks": marks, **extra}, content_type="application/json"
    )


def test_the_day_lists_booked_children_and_the_others_of_the_service(
    agent_client, canteen, children
):
    service, _meal, _ = canteen

    body = agent_client.get(URL, day(service)).json()

    assert body["locked"] is False
    (lea,) = body["booked"]
    assert lea["first_name"] == "Léa"
    assert (lea["has_pai"], lea["pai_details"], lea["diet"]) == (True, "Gluten", "vegetarien")
    assert (lea["state"], lea["recorded"]) == ("present", False)
    assert [c["first_name"] for c in body["unbooked"]] == ["Hugo"]
    assert body["unbooked"][0]["booking"] is None


def test_marks_are_saved_and_the_answer_is_the_new_day(agent_client, canteen, children):
    service, _meal, _ = canteen

    response = post(
        agent_client,
        service,
        [
            {"beneficiary": children["lea"].pk, "state": "absent"},
            {"beneficiary": children["hugo"].pk, "state": "present_unbooked"},
        ],
    )

    assert response.status_code == 200
    assert response.json()["booked"][0]["state"] == "absent"
    assert response.json()["unbooked"][0]["recorded"] is True
    assert set(Attendance.objects.values_list("state", flat=True)) == {
        AttendanceState.ABSENT,
        AttendanceState.PRESENT_UNBOOKED,
    }


def test_a_wrong_mark_saves_nothing_and_lists_every_problem(agent_client, canteen, children):
    service, _meal, _ = canteen
    stranger = BeneficiaryFactory(first_name="Zoé")

    response = post(
        agent_client,
        service,
        [
            {"beneficiary": children["lea"].pk, "state": "present_unbooked"},
            {"beneficiary": stranger.pk, "state": "present_unbooked"},
        ],
    )

    assert response.status_code == 400
    assert len(response.json()["errors"]) == 2
    assert not Attendance.objects.exists()


def test_an_unknown_state_is_a_field_error(agent_client, canteen, children):
    response = post(agent_client, canteen[0], [{"beneficiary": children["lea"].pk, "state": "x"}])
    assert response.status_code == 400
    assert "marks" in response.json()


def test_a_billed_day_is_refused_with_its_reason(agent_client, canteen, children):
    service, _meal, _ = canteen
    lock_attendance(service.pk, [MEAL_DAY])

    shown = agent_client.get(URL, day(service)).json()
    response = post(agent_client, service, [{"beneficiary": children["lea"].pk, "state": "absent"}])

    assert shown["locked"] is True
    assert "est verrouillé" in shown["locked_reason"]
    assert response.status_code == 400
    assert "la journée a été facturée" in response.json()["errors"][0]


def test_another_communes_service_is_a_404(agent_client, children):
    other, other_meal, _ = make_canteen(PartnerFactory(name="Bains"), title="Cantine de Bains")
    make_booking(children["lea"], service=other, tariff_option=other_meal)

    assert agent_client.get(URL, day(other)).status_code == 404
    response = post(agent_client, other, [{"beneficiary": children["lea"].pk, "state": "absent"}])
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_a_parent_may_not_use_it(client, canteen, children):
    client.force_login(children["parent"])
    assert client.get(URL, day(canteen[0])).status_code == 403


@pytest.mark.parametrize("count", [10, 60])
def test_the_day_costs_the_same_queries_whatever_the_number_of_children(
    agent_client, canteen, count, django_assert_max_num_queries
):
    service, meal, _ = canteen
    parent = ParentFactory()
    kids = [BeneficiaryFactory(account=parent, first_name=f"Enfant{n}") for n in range(count)]
    accept_access(parent, meal, kids)
    for kid in kids[: count // 2]:
        make_booking(kid, service=service, tariff_option=meal)

    with django_assert_max_num_queries(16):
        response = agent_client.get(URL, day(service))

    assert len(response.json()["booked"]) == count // 2
    assert len(response.json()["unbooked"]) == count - count // 2
