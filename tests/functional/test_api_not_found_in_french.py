"""The API answers in French where Django or oscar-api would answer in English: another
family's beneficiary is "Bénéficiaire introuvable", not "No Beneficiary matches the given
query."; an empty basket's checkout is not "Cannot checkout with empty basket"."""

import pytest
from oscar.core.loading import get_model

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


def test_checking_out_an_empty_basket_is_refused_in_french(client):
    parent = ParentFactory()
    basket = get_model("basket", "Basket").open.create(owner=parent)
    client.force_login(parent)

    response = client.post(
        "/api/checkout/",
        {"basket": f"http://testserver/api/baskets/{basket.pk}/", "payment_method": "wallet"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code in (400, 409, 422)
    assert "Cannot checkout" not in response.content.decode()
    assert "Votre panier est vide" in response.content.decode()
