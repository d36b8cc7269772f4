"""Where each part answers: Wagtail at /, Oscar's storefront without its checkout, the APIs."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_each_territory_site_serves_its_wagtail_home_page_at_the_root(client, demo_world):
    puy = client.get("/", HTTP_HOST="127.0.0.1:8000")
    dombes = client.get("/", HTTP_HOST="dombes.localhost:8000")

    assert puy.status_code == dombes.status_code == 200
    assert "Puy-en-Velay" in puy.content.decode()
    assert "Dombes" in dombes.content.decode()


@pytest.mark.parametrize(
    ("host", "title"),
    [
        ("127.0.0.1:8000", "Communauté d'agglomération du Puy-en-Velay"),
        ("dombes.localhost:8000", "Dombes"),
    ],
)
def test_wagtail_api_lists_the_home_page_of_the_site_asked(client, demo_world, host, title):
    response = client.get("/api/cms/v2/pages/", {"type": "cms.HomePage"}, HTTP_HOST=host)

    assert response.status_code == 200
    assert [page["title"] for page in response.json()["items"]] == [title]


@pytest.mark.parametrize(
    "path", ["/shop/basket/", "/shop/checkout/", "/shop/checkout/preview/", "/shop/search/"]
)
def test_oscars_html_basket_checkout_and_search_are_not_served(client, demo_world, path):
    assert client.get(path).status_code == 404


def test_oscars_storefront_catalogue_is_gone_but_its_names_still_reverse(client, demo_world):
    # The dashboard's templates link `catalogue:detail` and friends (tests/functional/
    # test_storefront_gone.py walks every storefront page).
    assert reverse("catalogue:index") == "/shop/catalogue/"
    assert client.get("/shop/catalogue/").status_code == 404


def test_oscar_apis_basket_answers_under_api_but_not_its_index(client):
    # Only the allow-listed oscar-api routes are served (shop/api/urls.py).
    assert client.get("/api/basket/").status_code == 200
    assert client.get("/api/").status_code == 404
