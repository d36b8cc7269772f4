"""/api/services/?commune= refuses a NUL character with a 400 and a French message: PostgreSQL
cannot compare it and answered a server error (found by tests/functional/test_api_fuzz.py)."""

import pytest
from django.test import Client

from tests.factories import PartnerFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("code", ["%00", "rosi%00eres"])
def test_a_commune_code_with_a_nul_character_is_a_bad_request(client, code):
    response = client.get(f"/api/services/?commune={code}")

    assert response.status_code == 400
    assert response.json() == {"commune": ["Le caractère nul n’est pas autorisé."]}


def test_a_commune_code_still_filters_the_catalogue(client):
    rosieres = PartnerFactory(name="Rosières")
    make_service(rosieres, "Cantine de Rosières", {"Repas": "3.30"})
    make_service(PartnerFactory(name="Aiguilhe"), "Cantine d'Aiguilhe", {"Repas": "3.10"})

    response = client.get("/api/services/", {"commune": rosieres.code})

    assert response.status_code == 200
    assert [commune["name"] for commune in response.json()] == ["Rosières"]


def test_an_empty_commune_code_lists_every_commune(client):
    make_service(PartnerFactory(name="Rosières"), "Cantine de Rosières", {"Repas": "3.30"})

    response = client.get("/api/services/?commune=")

    assert response.status_code == 200
    assert len(response.json()) == 1
