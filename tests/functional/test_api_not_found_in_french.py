"""The API's 404s are worded in French, as its other errors: another family's beneficiary,
access or a missing one is "Bénéficiaire introuvable", not Django's "No Beneficiary matches
the given query."."""

import pytest

from tests.factories import ParentFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


def test_another_familys_beneficiary_is_a_404_worded_in_french(client):
    other = BeneficiaryFactory(account=ParentFactory())
    client.force_login(ParentFactory())

    response = client.get(f"/api/beneficiaries/{other.pk}/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Bénéficiaire introuvable : vérifiez l'identifiant demandé."
    }


def test_a_missing_service_access_is_a_404_worded_in_french(client):
    client.force_login(ParentFactory())

    response = client.get("/api/access-requests/999999/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 404
    assert "matches the given query" not in response.content.decode()
    assert response.json()["detail"].endswith("introuvable : vérifiez l'identifiant demandé.")
