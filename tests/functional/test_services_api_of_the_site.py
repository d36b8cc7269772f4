"""GET /api/services/ answers, like the parent's "Mes services", only the communes of the site
the request came through: each Wagtail site is one territory."""

import pytest
from oscar.core.loading import get_model

from tests.factories import PartnerFactory
from tests.functional.test_services_of_the_site import DOMBES, PUY, territory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")

SERVICES = "/api/services/"


def _commune_names(response) -> list[str]:
    assert response.status_code == 200
    return [commune["name"] for commune in response.json()]


def test_each_site_lists_only_its_own_territorys_communes(client):
    territory(PUY, "Rosières", "Aiguilhe")
    territory(DOMBES, "Villars-les-Dombes")

    puy = _commune_names(client.get(SERVICES, HTTP_HOST=PUY))
    dombes = _commune_names(client.get(SERVICES, HTTP_HOST=DOMBES))

    assert sorted(puy) == ["Aiguilhe", "Rosières"]
    assert dombes == ["Villars-les-Dombes"]


def test_asking_another_territorys_commune_by_code_gives_nothing(client):
    territory(PUY, "Rosières")
    home = territory(DOMBES, "Villars-les-Dombes")
    villars = home.get_children().specific().get().partner

    response = client.get(SERVICES, {"commune": villars.code}, HTTP_HOST=PUY)

    assert _commune_names(response) == []
    assert _commune_names(client.get(SERVICES, {"commune": villars.code}, HTTP_HOST=DOMBES)) == [
        "Villars-les-Dombes"
    ]


def test_another_territorys_service_is_a_404_from_this_site(client):
    territory(PUY, "Rosières")
    territory(DOMBES, "Villars-les-Dombes")
    villars = Product.objects.get(title="Cantine de Villars-les-Dombes")

    assert client.get(f"{SERVICES}{villars.pk}/", HTTP_HOST=PUY).status_code == 404
    detail = client.get(f"{SERVICES}{villars.pk}/", HTTP_HOST=DOMBES)
    assert detail.status_code == 200
    assert detail.json()["title"] == "Cantine de Villars-les-Dombes"


def test_a_site_without_commune_pages_lists_every_commune(client):
    territory(PUY)
    make_service(PartnerFactory(name="Rosières"), "Cantine de Rosières", {"Enfants": "3.30"})

    assert _commune_names(client.get(SERVICES, HTTP_HOST=PUY)) == ["Rosières"]
