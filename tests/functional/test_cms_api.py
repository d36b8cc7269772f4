"""The headless pages API (/api/cms/v2/) on worlds of its own: communes and services in a flat
number of queries; drafts hidden until published; previews for their editors. Each demo site's
commune tree: test_cms_api_on_the_demo.py."""

import pytest
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page, Site

from cms.models import CommunePage, HomePage, ServicePage
from cms.permissions import grant_commune_officers
from tests.factories import OfficerFactory, ParentFactory, PartnerFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

PUY, DOMBES = "127.0.0.1:8000", "dombes.localhost:8000"
HOST = "portail.localhost"
PAGES = "/api/cms/v2/pages/"


def pages(client, host, **params):
    response = client.get(PAGES, params, HTTP_HOST=host)
    assert response.status_code == 200, response.content
    return response.json()["items"]


# --- A small world of our own: one site, its communes ----------------------------------------


def make_home(hostname=HOST) -> HomePage:
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Territoire", slug=hostname.split(".")[0]))
    Site.objects.create(hostname=hostname, port=80, root_page=home)
    return home


def add_commune(home, name, *, live=True, logo=None) -> CommunePage:
    partner = PartnerFactory(name=name)
    page = home.add_child(
        instance=CommunePage(
            title=name,
            slug=partner.code,
            partner=partner,
            address="1 place de la Mairie",
            postcode="43000",
            city=name,
            logo=logo,
            live=live,
        )
    )
    page.save_revision()
    return page


def add_service(commune_page, title, options, *, live=True) -> ServicePage:
    product, _ = make_service(commune_page.partner, title, options)
    page = commune_page.add_child(
        instance=ServicePage(title=title, slug=f"service-{product.pk}", product=product, live=live)
    )
    page.save_revision()
    return page


# --- No query per page -----------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_listing_commune_pages_costs_the_same_for_3_or_30(
    client, django_assert_max_num_queries, count
):
    home = make_home()
    logo = Image.objects.create(title="Blason", file=get_test_image_file())
    for n in range(count):
        add_commune(home, f"Commune {n}", logo=logo)

    with django_assert_max_num_queries(5):
        items = pages(client, HOST, type="cms.CommunePage", fields="*", limit=20)

    assert len(items) == min(count, 20)
    assert all(item["partner"]["code"] and item["logo"]["title"] == "Blason" for item in items)


@pytest.mark.parametrize("count", [3, 30])
def test_listing_service_pages_with_their_tariffs_costs_the_same_for_3_or_30(
    client, django_assert_max_num_queries, count
):
    commune = add_commune(make_home(), "Rosières")
    for n in range(count):
        add_service(commune, f"Service {n}", {"Enfant": "3.30", "Adulte": "5.90"})

    # Four more than for communes: the tariff options, their stock records, the service
    # calendars (for the deadlines) and the tariff grids, prefetched.
    with django_assert_max_num_queries(9):
        items = pages(client, HOST, type="cms.ServicePage", fields="*", limit=20)

    assert len(items) == min(count, 20)
    assert all(len(item["facts"]["options"]) == 2 for item in items)


# --- Drafts and previews ---------------------------------------------------------------------


@pytest.fixture
def commune_and_officer():
    commune = add_commune(make_home(), "Rosières")
    officer = OfficerFactory()
    officer.groups.add(grant_commune_officers(commune))
    return commune, officer


def preview(client, page):
    return client.get(f"/api/cms/v2/preview/{page.pk}/", HTTP_HOST=HOST)


def test_a_draft_is_absent_from_the_api_until_published(client, commune_and_officer):
    commune, _ = commune_and_officer
    draft = add_service(commune, "Cantine de Rosières", {"Enfant": "3.30"}, live=False)

    assert [page["title"] for page in pages(client, HOST, type="cms.ServicePage")] == []
    assert client.get(f"{PAGES}{draft.pk}/", HTTP_HOST=HOST).status_code == 404

    draft.get_latest_revision().publish()

    assert [page["title"] for page in pages(client, HOST, type="cms.ServicePage")] == [
        "Cantine de Rosières"
    ]


def test_an_editor_of_the_page_previews_its_draft(client, commune_and_officer):
    commune, officer = commune_and_officer
    draft = add_service(commune, "Cantine de Rosières", {"Enfant": "3.30"}, live=False)
    client.force_login(officer)

    response = preview(client, draft)

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Cantine de Rosières"
    assert body["meta"]["type"] == "cms.ServicePage"
    assert body["facts"]["options"][0]["price"] == "3.30"
    # Links still lead to the pages endpoint, where the page will be once published.
    assert body["meta"]["detail_url"].endswith(f"/api/cms/v2/pages/{draft.pk}/")
    assert "no-store" in response["Cache-Control"]


def test_a_preview_shows_the_latest_revision_not_the_live_one(client, commune_and_officer):
    commune, officer = commune_and_officer
    commune.get_latest_revision().publish()
    commune.refresh_from_db()
    commune.opening_hours = "Fermé le samedi"
    commune.save_revision()  # a draft over the live page
    client.force_login(officer)

    live = client.get(f"{PAGES}{commune.pk}/", HTTP_HOST=HOST).json()
    previewed = preview(client, commune).json()

    assert live["opening_hours"] == ""
    assert previewed["opening_hours"] == "Fermé le samedi"


@pytest.mark.parametrize("who", ["anonymous", "parent", "officer of another commune"])
def test_nobody_else_sees_a_preview(client, commune_and_officer, who):
    commune, _ = commune_and_officer
    draft = add_service(commune, "Cantine de Rosières", {"Enfant": "3.30"}, live=False)
    if who == "parent":
        client.force_login(ParentFactory())
    elif who == "officer of another commune":
        aiguilhe = add_commune(Page.objects.get(pk=commune.get_parent().pk), "Aiguilhe")
        other = OfficerFactory()
        other.groups.add(grant_commune_officers(aiguilhe))
        client.force_login(other)

    assert preview(client, draft).status_code == 404


def test_previewing_a_page_that_does_not_exist_is_a_404(client, commune_and_officer):
    _, officer = commune_and_officer
    client.force_login(officer)

    assert client.get("/api/cms/v2/preview/999999/", HTTP_HOST=HOST).status_code == 404


def test_the_preview_endpoint_is_documented(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/cms/v2/preview/{id}/"]["get"]
    assert operation["operationId"] == "cms_pages_preview"
    assert set(operation["responses"]) == {"200", "404"}
