"""A service page publishes its quotient grid, on the page and in the pages API, from the very
TariffGrid rows the server prices a meal with."""

import re
from decimal import Decimal

import pytest
from wagtail.models import Page, Site

from cms.models import CommunePage, HomePage, ServicePage
from reservations import rules
from reservations.calendars import tariff_config_for
from reservations.models import TariffGrid, TariffRow
from tests.factories import PartnerFactory
from tests.planning_factories import make_canteen

pytestmark = pytest.mark.django_db

HOST = "grille.localhost"
PAGES = "/api/cms/v2/pages/"


def service_page(service, title="Cantine de Rosières") -> ServicePage:
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Territoire", slug="grille"))
    Site.objects.create(hostname=HOST, port=80, root_page=home)
    partner = service.stockrecords.first().partner if service.stockrecords.exists() else None
    partner = partner or service.children.first().stockrecords.first().partner
    commune = home.add_child(
        instance=CommunePage(
            title="Rosières",
            slug="rosieres",
            partner=partner,
            address="1 place de la Mairie",
            postcode="43000",
            city="Rosières",
        )
    )
    page = commune.add_child(instance=ServicePage(title=title, slug="cantine", product=service))
    page.save_revision().publish()
    return page


def api_page(client, page) -> dict:
    response = client.get(f"{PAGES}{page.pk}/", HTTP_HOST=HOST)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_service_page_shows_the_grid_the_server_prices_with(client):
    service, _children, _ = make_canteen()
    page = service_page(service)

    html = re.sub(r"[ \t\n]+", " ", client.get(page.url, HTTP_HOST=HOST).content.decode())

    assert "Grille tarifaire selon le quotient familial" in html
    assert '<th scope="col">Quotient familial</th>' in html
    # Each row of the grid, with the price the rules give a family in that bracket and rank.
    grid = tariff_config_for(service)
    for quotient, rank, bracket in [
        ("300", 1, "QF inférieur à 500 €"),
        ("800", 1, "QF à partir de 500 €"),
        ("300", 2, "QF inférieur à 500 €"),
        ("800", 2, "QF à partir de 500 €"),
    ]:
        price = rules.price_for(
            grid,
            category=rules.CHILD,
            resident=True,
            family_quotient=Decimal(quotient),
            sibling_rank=rank,
        ).unit_price
        rank_label = "1er enfant" if rank == 1 else "2e enfant"
        amount = str(price).replace(".", ",")
        shown = (
            f'<td>{rank_label}</td> <th scope="row">{bracket}</th> '
            f'<td class="tariffs__price"><span class="amount">{amount}\xa0€'
        )
        assert shown in html, (quotient, rank)
    assert "5,90\xa0€" in html  # the adults' row
    # Every row is for any residence: no column says so on each row, a phone has no room.
    assert '<th scope="col">Résidence</th>' not in html
    assert '<th scope="col">Rang</th>' in html


def test_the_pages_api_gives_the_grid_row_by_row(client):
    service, _children, _ = make_canteen()
    page = service_page(service)

    grid = api_page(client, page)["tariff_grid"]

    assert grid["mode"] == "grid"
    assert [
        (
            row["category"],
            row["sibling_rank"],
            row["family_quotient_min"],
            row["family_quotient_max"],
            row["unit_price"],
        )
        for row in grid["rows"]
    ] == [
        ("adult", 1, None, None, "5.90"),
        ("child", 1, None, "500.00", "1.50"),
        ("child", 1, "500.00", None, "3.30"),
        ("child", 2, None, "500.00", "1.20"),
        ("child", 2, "500.00", None, "2.90"),
    ]
    assert grid["rows"][1]["bracket_label"] == "QF inférieur à 500 €"
    assert grid["rows"][3]["sibling_rank_label"] == "2e enfant"
    assert grid["rows"][0]["residence_label"] == "Résident ou non"


def test_an_effort_rate_is_published_as_a_rate_between_floor_and_ceiling(client):
    service, _children, _ = make_canteen(grid=False)
    TariffGrid.objects.create(
        service=service,
        mode=rules.EFFORT_RATE,
        effort_rate=Decimal("0.5"),
        floor=Decimal("1"),
        ceiling=Decimal("4.5"),
    )
    page = service_page(service)

    html = client.get(page.url, HTTP_HOST=HOST).content.decode()
    grid = api_page(client, page)["tariff_grid"]

    assert "0,5 % de votre quotient familial, au moins 1,00\xa0€, au plus 4,50\xa0€." in html
    assert grid == {
        "mode": "effort_rate",
        "effort_rate": "0.5000",
        "floor": "1.00",
        "ceiling": "4.50",
        "rows": [],
    }


def test_a_service_without_a_grid_publishes_none(client):
    service, _children, _ = make_canteen(grid=False)
    page = service_page(service)

    html = client.get(page.url, HTTP_HOST=HOST).content.decode()

    assert api_page(client, page)["tariff_grid"] is None
    assert "Grille tarifaire" not in html


@pytest.mark.parametrize("count", [3, 30])
def test_listing_service_pages_with_their_grids_costs_the_same_for_3_or_30(
    client, django_assert_max_num_queries, count
):
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Territoire", slug="grille"))
    Site.objects.create(hostname=HOST, port=80, root_page=home)
    commune = home.add_child(
        instance=CommunePage(
            title="Rosières",
            slug="rosieres",
            partner=PartnerFactory(),
            address="1 place de la Mairie",
            postcode="43000",
            city="Rosières",
        )
    )
    for n in range(count):
        service, _children, _ = make_canteen(commune.partner, title=f"Cantine {n}")
        commune.add_child(instance=ServicePage(title=f"Cantine {n}", slug=f"c{n}", product=service))
    assert TariffRow.objects.count() == 5 * count

    with django_assert_max_num_queries(10):
        response = client.get(
            PAGES, {"type": "cms.ServicePage", "fields": "*", "limit": 20}, HTTP_HOST=HOST
        )

    items = response.json()["items"]
    assert len(items) == min(count, 20)
    assert all(len(item["tariff_grid"]["rows"]) == 5 for item in items)
