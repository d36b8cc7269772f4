"""A parent's "Mes services" offers only the communes of the site they came through: each site
is one territory, its communes the CommunePages under its HomePage."""

import pytest
from oscar.core.loading import get_model
from wagtail.models import Page, Site

from cms.models import CommunePage, HomePage
from tests.factories import ParentFactory, PartnerFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")

SERVICES = "/espace/services/"
PUY, DOMBES = "puy.localhost", "dombes.localhost"


def territory(hostname, *communes):
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title=hostname, slug=hostname.split(".")[0]))
    Site.objects.create(hostname=hostname, port=80, root_page=home)
    for name in communes:
        partner = PartnerFactory(name=name)
        home.add_child(
            instance=CommunePage(
                title=name,
                slug=partner.code,
                partner=partner,
                address="1 place de la Mairie",
                postcode="43000",
                city=name,
            )
        )
        make_service(partner, f"Cantine de {name}", {"Enfants": "3.30"})
    return home


def test_each_site_offers_only_its_own_territorys_communes(client):
    territory(PUY, "Rosières", "Aiguilhe")
    territory(DOMBES, "Villars-les-Dombes")
    client.force_login(ParentFactory())

    puy = client.get(SERVICES, HTTP_HOST=PUY).content.decode()
    dombes = client.get(SERVICES, HTTP_HOST=DOMBES).content.decode()

    assert "Cantine de Rosières" in puy and "Cantine de Aiguilhe" in puy
    assert "Villars-les-Dombes" not in puy
    assert "Cantine de Villars-les-Dombes" in dombes
    assert "Rosières" not in dombes and "Aiguilhe" not in dombes


def test_a_site_without_commune_pages_offers_every_commune(client):
    territory(PUY)
    make_service(PartnerFactory(name="Rosières"), "Cantine de Rosières", {"Enfants": "3.30"})
    client.force_login(ParentFactory())

    page = client.get(SERVICES, HTTP_HOST=PUY).content.decode()

    assert "Cantine de Rosières" in page


def test_an_option_of_another_territory_cannot_be_asked_from_this_site(client):
    territory(PUY, "Rosières")
    territory(DOMBES, "Villars-les-Dombes")
    villars = Product.objects.get(parent__title="Cantine de Villars-les-Dombes")
    client.force_login(ParentFactory())

    assert client.get(f"/espace/services/demander/{villars.pk}/", HTTP_HOST=PUY).status_code == 404
    assert (
        client.get(f"/espace/services/demander/{villars.pk}/", HTTP_HOST=DOMBES).status_code == 200
    )
