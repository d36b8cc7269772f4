"""Who opens which back office: parent, agent, officer, administrator."""

import pytest

from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    OfficerFactory,
    ParentFactory,
    PartnerFactory,
)
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

BACK_OFFICES = {"cms": "/cms/", "dashboard": "/dashboard/", "django-admin": "/django-admin/"}

ROLES = {
    "parent": lambda: ParentFactory(),
    "agent": lambda: AgentFactory(communes=[PartnerFactory(name="Aiguilhe")]),
    "officer": lambda: OfficerFactory(),
    "administrator": lambda: AdministratorFactory(),
}

# role -> the back offices it opens; every other one must refuse it.
OPENS = {
    "parent": set(),
    "agent": {"dashboard"},
    "officer": {"cms"},
    "administrator": {"cms", "dashboard", "django-admin"},
}

MATRIX = [(role, office, office in OPENS[role]) for role in ROLES for office in BACK_OFFICES]


@pytest.mark.parametrize(("role", "office", "opens"), MATRIX)
def test_role_matrix(client, role, office, opens):
    client.force_login(ROLES[role]())

    response = client.get(BACK_OFFICES[office])

    if opens:
        assert response.status_code == 200
    else:
        # Refused: sent to that back office's login page (or a plain 403), never shown.
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "login" in response["Location"]


def test_anonymous_visitor_opens_no_back_office(client):
    for path in BACK_OFFICES.values():
        response = client.get(path)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_agent_sees_only_their_communes_services_in_the_dashboard(client):
    aiguilhe, rosieres = PartnerFactory(name="Aiguilhe"), PartnerFactory(name="Rosières")
    make_service(aiguilhe, "Garderie d'Aiguilhe", {"1er enfant à la garderie": "1.50"})
    make_service(rosieres, "Cantine de Rosières", {"Réservation cantine pour enfants": "3.30"})
    client.force_login(AgentFactory(communes=[aiguilhe]))

    page = client.get("/dashboard/familles/services/").content.decode()

    assert "Garderie d&#x27;Aiguilhe" in page
    assert "Cantine de Rosières" not in page


def test_agent_cannot_open_the_dashboard_screens_reserved_to_administrators(client):
    client.force_login(AgentFactory(communes=[PartnerFactory(name="Aiguilhe")]))

    # A shop's screens are not there at all for a commune (shop/dashboard/scope.py).
    for path in ("/dashboard/partners/", "/dashboard/users/", "/dashboard/offers/"):
        assert client.get(path).status_code == 404, path


def test_the_dashboard_pages_an_agent_uses_render(client):
    client.force_login(AgentFactory(communes=[PartnerFactory(name="Aiguilhe")]))

    for path in ("/dashboard/", "/dashboard/orders/", "/dashboard/familles/services/"):
        assert client.get(path).status_code == 200, path


def test_a_parent_cannot_rewrite_the_catalogue_categories_through_the_api(client):
    client.force_login(ParentFactory())

    response = client.post(
        "/api/categories-bulk/", [{"data": {"name": "Piratée"}}], content_type="application/json"
    )

    # Not served at all: oscar-api's admin routes are off the allow-list (shop/api/urls.py).
    assert response.status_code == 404


def test_an_officer_can_upload_images_and_documents_in_the_cms(client):
    client.force_login(OfficerFactory())

    for path in ("/cms/images/add/", "/cms/documents/add/"):
        assert client.get(path).status_code == 200, path
