"""A child's diet ("sans porc", "végétarien"), set by the family from the API or the parent's
site, read by the agents' headcount and the caterer's counts."""

import pytest

from reservations.models import Beneficiary, Diet
from tests.factories import ParentFactory
from tests.functional.test_beneficiaries_api import LIST, detail, valid_payload
from tests.functional.test_front_family import ADD, child_form
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def parent_client(client, parent):
    client.force_login(parent)
    return client


def test_the_api_sets_and_shows_a_childs_diet(parent_client, parent):
    response = parent_client.post(
        LIST, valid_payload(diet=Diet.NO_PORK), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["diet"] == "sans_porc"
    assert Beneficiary.objects.get(account=parent).diet == Diet.NO_PORK


def test_the_api_refuses_an_unknown_diet(parent_client, parent):
    response = parent_client.post(
        LIST, valid_payload(diet="sans_legumes"), content_type="application/json"
    )

    assert response.status_code == 400
    assert "diet" in response.json()
    assert not Beneficiary.objects.filter(account=parent).exists()


def test_a_child_without_a_diet_gets_the_standard_meal(parent_client, parent):
    lea = BeneficiaryFactory(account=parent, diet=Diet.VEGETARIAN)

    response = parent_client.patch(detail(lea), {"diet": ""}, content_type="application/json")

    assert response.status_code == 200, response.content
    lea.refresh_from_db()
    assert lea.diet == Diet.STANDARD


def test_the_parents_form_sets_the_diet(parent_client, parent):
    response = parent_client.post(ADD, child_form(diet=Diet.NO_MEAT))

    assert response.status_code == 302
    assert Beneficiary.objects.get(account=parent).diet == Diet.NO_MEAT
    assert "Sans viande" in parent_client.get("/espace/filiations/").content.decode()
