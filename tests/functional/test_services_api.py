"""GET /api/services/: the public catalogue of the communes' services and tariff options."""

import pytest
from oscar.core.loading import get_model

from reservations.models import AccessRequirements
from tests.factories import ParentFactory, PartnerFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def seed_catalogue():
    """Aiguilhe's garderie and Rosières' canteen and holiday club, as in seed 002."""
    aiguilhe = PartnerFactory(name="Aiguilhe", code="aiguilhe")
    rosieres = PartnerFactory(name="Rosières", code="rosieres")
    garderie, _ = make_service(
        aiguilhe,
        "Garderie périscolaire d'Aiguilhe",
        {"1er enfant à la garderie": "1.50", "2ème enfant à la garderie": "1.20", "Usager": "2"},
    )
    cantine, (adultes, enfants) = make_service(
        rosieres,
        "Cantine de Rosières",
        {"Réservation cantine pour adultes": "5.90", "Réservation cantine pour enfants": "3.30"},
    )
    loisirs, _ = make_service(
        rosieres,
        "Accueil de loisirs de Rosières",
        {"Inscription accueil de loisirs résident commune": "8.00"},
    )
    AccessRequirements.objects.create(
        tariff_option=enfants,
        required_documents=["proof_of_address", "family_quotient"],
        requires_tax_figures=True,
    )
    return {"garderie": garderie, "cantine": cantine, "loisirs": loisirs, "enfants": enfants}


def build_catalogue(communes: int, services: int, options: int):
    for c in range(communes):
        partner = PartnerFactory(name=f"Commune {c:03}")
        for s in range(services):
            _, children = make_service(
                partner,
                f"Service {c}-{s}",
                {f"Option {c}-{s}-{o}": f"{o + 1}.10" for o in range(options)},
            )
            AccessRequirements.objects.bulk_create(
                AccessRequirements(
                    tariff_option=child,
                    required_documents=["proof_of_address"],
                    requires_tax_figures=bool(o % 2),
                )
                for o, child in enumerate(children)
            )


def test_anyone_reads_the_catalogue_grouped_by_commune_and_sorted_by_name(client, seed_catalogue):
    response = client.get("/api/services/")

    assert response.status_code == 200
    body = response.json()
    assert [commune["name"] for commune in body] == ["Aiguilhe", "Rosières"]
    assert body[0]["code"] == "aiguilhe"
    rosieres = body[1]
    assert [service["title"] for service in rosieres["services"]] == [
        "Accueil de loisirs de Rosières",
        "Cantine de Rosières",
    ]
    cantine = rosieres["services"][1]
    assert cantine["id"] == seed_catalogue["cantine"].pk
    assert cantine["options"] == [
        {
            "id": cantine["options"][0]["id"],
            "title": "Réservation cantine pour adultes",
            "price": "5.90",
            "currency": "EUR",
            "required_documents": [],
            "requires_tax_figures": False,
        },
        {
            "id": seed_catalogue["enfants"].pk,
            "title": "Réservation cantine pour enfants",
            "price": "3.30",
            "currency": "EUR",
            "required_documents": [
                {"code": "proof_of_address", "label": "Justificatif de domicile"},
                {
                    "code": "family_quotient",
                    "label": "Attestation de quotient familial ou déclaration de revenus",
                },
            ],
            "requires_tax_figures": True,
        },
    ]


def test_prices_are_strings_with_two_decimals(client, seed_catalogue):
    body = client.get("/api/services/?commune=aiguilhe").json()

    assert [option["price"] for option in body[0]["services"][0]["options"]] == [
        "1.50",
        "1.20",
        "2.00",
    ]


def test_a_logged_in_parent_reads_the_same_catalogue(client, seed_catalogue):
    anonymous = client.get("/api/services/").json()
    client.force_login(ParentFactory())

    assert client.get("/api/services/").json() == anonymous


def test_the_commune_filter_keeps_one_commune(client, seed_catalogue):
    body = client.get("/api/services/?commune=rosieres").json()

    assert [commune["code"] for commune in body] == ["rosieres"]
    assert len(body[0]["services"]) == 2


def test_an_unknown_commune_gives_an_empty_catalogue(client, seed_catalogue):
    assert client.get("/api/services/?commune=atlantis").json() == []


def test_a_commune_without_services_is_left_out(client, seed_catalogue):
    PartnerFactory(name="Bains", code="bains")

    assert "Bains" not in [commune["name"] for commune in client.get("/api/services/").json()]


def test_products_that_are_not_communal_services_are_left_out(client, seed_catalogue):
    shop_class = ProductClass.objects.create(name="Boutique")
    tshirt = Product.objects.create(
        title="T-shirt", structure=Product.PARENT, product_class=shop_class
    )
    size = Product.objects.create(title="Taille M", structure=Product.CHILD, parent=tshirt)
    StockRecord.objects.create(
        product=size, partner=PartnerFactory(name="Bains"), partner_sku="tshirt-m", price="10"
    )

    titles = [
        service["title"]
        for commune in client.get("/api/services/").json()
        for service in commune["services"]
    ]
    assert "T-shirt" not in titles
    assert len(titles) == 3


def test_unpublished_services_and_options_are_left_out(client, seed_catalogue):
    seed_catalogue["loisirs"].is_public = False
    seed_catalogue["loisirs"].save()
    seed_catalogue["enfants"].is_public = False
    seed_catalogue["enfants"].save()

    body = client.get("/api/services/?commune=rosieres").json()

    assert [service["title"] for service in body[0]["services"]] == ["Cantine de Rosières"]
    options = body[0]["services"][0]["options"]
    assert [option["title"] for option in options] == ["Réservation cantine pour adultes"]
    assert client.get(f"/api/services/{seed_catalogue['loisirs'].pk}/").status_code == 404


def test_one_service_with_its_commune_and_options(client, seed_catalogue):
    response = client.get(f"/api/services/{seed_catalogue['cantine'].pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Cantine de Rosières"
    assert body["commune"] == {
        "id": body["commune"]["id"],
        "code": "rosieres",
        "name": "Rosières",
    }
    assert [option["price"] for option in body["options"]] == ["5.90", "3.30"]
    assert body["options"][1]["requires_tax_figures"] is True


def test_a_tariff_option_or_an_unknown_id_is_not_a_service(client, seed_catalogue):
    assert client.get(f"/api/services/{seed_catalogue['enfants'].pk}/").status_code == 404
    assert client.get("/api/services/999999/").status_code == 404


def test_the_catalogue_is_read_only(client, seed_catalogue):
    client.force_login(ParentFactory())

    assert client.post("/api/services/", {}).status_code == 405
    assert client.delete(f"/api/services/{seed_catalogue['cantine'].pk}/").status_code == 405


@pytest.mark.parametrize(("communes", "services", "options"), [(1, 1, 1), (10, 3, 4)])
def test_the_catalogue_costs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, communes, services, options
):
    build_catalogue(communes, services, options)

    # The catalogue, then the site and its communes (the territory the list is scoped to).
    with django_assert_max_num_queries(3):
        response = client.get("/api/services/")

    body = response.json()
    assert len(body) == communes
    assert sum(len(service["options"]) for c in body for service in c["services"]) == (
        communes * services * options
    )


@pytest.mark.parametrize("options", [1, 12])
def test_one_service_costs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, options
):
    service, _ = make_service(
        PartnerFactory(name="Bains"),
        "Cantine de Bains",
        {f"Option {o}": "3.20" for o in range(options)},
    )

    # The service, then the site and its communes (another territory's service is a 404).
    with django_assert_max_num_queries(3):
        response = client.get(f"/api/services/{service.pk}/")

    assert len(response.json()["options"]) == options
