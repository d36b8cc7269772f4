"""The headless pages API (/api/cms/v2/) on the demo world (seeded once for the module): each
site's commune tree with the fields a front end needs. The API on worlds of its own:
test_cms_api.py."""

import pytest

from tests.functional.test_cms_api import DOMBES, PAGES, PUY, pages

pytestmark = pytest.mark.django_db


# --- Each site's commune tree ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "communes", "services"),
    [
        (
            PUY,
            {"aiguilhe", "allegre", "bains", "rosieres"},
            {
                "Garderie périscolaire d'Aiguilhe",
                "Restaurant scolaire d'Allègre",
                "Cantine de Bains",
                "Accueil de loisirs de Rosières",
                "Cantine de Rosières",
            },
        ),
        (
            DOMBES,
            {"saint-marcel-en-dombes", "baneins"},
            {"Cantine de Saint-Marcel-en-Dombes", "Garderie de Baneins"},
        ),
    ],
    ids=["puy-en-velay", "dombes"],
)
def test_each_site_lists_its_own_communes_and_their_services(
    client, demo_world, host, communes, services
):
    commune_pages = pages(client, host, type="cms.CommunePage", fields="*")
    service_pages = pages(client, host, type="cms.ServicePage", fields="*", limit=20)

    assert {page["partner"]["code"] for page in commune_pages} == communes
    assert {page["title"] for page in service_pages} == services
    for commune in commune_pages:
        children = pages(client, host, child_of=commune["id"], type="cms.ServicePage")
        assert children, commune["title"]
        assert {child["title"] for child in children} <= services


def test_a_commune_page_carries_its_town_hall_and_its_partner(client, demo_world):
    [rosieres] = pages(client, PUY, type="cms.CommunePage", slug="rosieres", fields="*")

    assert rosieres["partner"]["name"] == "Rosières"
    assert rosieres["postcode"] == "43800"
    for field in ("address", "city", "phone", "email", "opening_hours", "map_url", "intro"):
        assert rosieres[field], field
    assert "logo" in rosieres
    assert rosieres["meta"]["html_url"] == "http://127.0.0.1:8000/rosieres/"


def test_a_service_page_carries_its_regulation_and_live_tariffs(client, demo_world):
    [canteen] = pages(client, PUY, type="cms.ServicePage", slug="cantine-de-rosieres", fields="*")

    assert "<h3>Allergies et projet d'accueil individualisé (PAI)</h3>" in canteen["regulation"]
    assert canteen["presentation"]
    assert canteen["regulation_pdf"] is None
    assert canteen["product"]["title"] == "Cantine de Rosières"
    assert canteen["facts"] == {
        "options": [
            {
                "id": canteen["facts"]["options"][0]["id"],
                "title": "Réservation cantine pour adultes",
                "price": "5.90",
            },
            {
                "id": canteen["facts"]["options"][1]["id"],
                "title": "Réservation cantine pour enfants",
                "price": "3.30",
            },
        ],
        "booking_deadline": "2 jours ouvrés avant, à 10:00",
        "cancellation_deadline": "2 jours ouvrés avant, à 10:00",
    }


def test_service_pages_show_the_tariffs_of_the_services_api(client, demo_world):
    for page in pages(client, PUY, type="cms.ServicePage", fields="product,facts", limit=20):
        service = client.get(f"/api/services/{page['product']['id']}/").json()
        expected = [(o["id"], o["title"], o["price"]) for o in service["options"]]
        shown = [(o["id"], o["title"], o["price"]) for o in page["facts"]["options"]]
        assert shown == expected, page["title"]


def test_a_menu_lists_each_dishs_allergens_with_code_and_label(client, demo_world):
    [menu] = pages(client, PUY, type="cms.MenuPage", fields="*")

    assert len(menu["days"]) == 5
    monday = menu["days"][0]["value"]
    assert monday["date"] == menu["week_start"]
    assert {"code": "lait", "label": "Lait"} in monday["dishes"][1]["allergens"]
    for day in menu["days"]:
        assert 3 <= len(day["value"]["dishes"]) <= 4


def test_each_site_has_its_news(client, demo_world):
    for host in (PUY, DOMBES):
        [news] = pages(client, host, type="cms.NewsPage", fields="*")
        assert news["intro"] and news["body"][0]["type"] == "paragraph"


def test_search_ordering_and_find_still_work_on_the_pages_endpoint(client, demo_world):
    found = pages(client, PUY, type="cms.ServicePage", search="cantine", fields="facts")
    ordered = pages(client, PUY, type="cms.CommunePage", order="-title", fields="partner")
    response = client.get(
        f"{PAGES}find/", {"html_path": "/rosieres/cantine-de-rosieres/"}, HTTP_HOST=PUY
    )

    assert {page["title"] for page in found} == {"Cantine de Bains", "Cantine de Rosières"}
    assert [page["title"] for page in ordered] == ["Rosières", "Bains", "Allègre", "Aiguilhe"]
    assert response.status_code == 302
