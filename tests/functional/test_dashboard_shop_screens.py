"""A commune's agent meets none of a shop's screens in Oscar's dashboard: they are not in the
menu, and their addresses answer 404 (a service's prices are its tariff grid's, not a product
editor's); an administrator keeps them."""

import pytest
from django.urls import reverse

from shop.dashboard.scope import ADMINISTRATORS_ONLY
from tests.factories import AdministratorFactory, AgentFactory, PartnerFactory

pytestmark = pytest.mark.django_db

SHOP_SCREENS = [
    "dashboard:catalogue-class-list",
    "dashboard:catalogue-category-list",
    "dashboard:range-list",
    "dashboard:stock-alert-list",
    "dashboard:offer-list",
    "dashboard:voucher-list",
    "dashboard:reviews-list",
    "dashboard:partner-list",
    "dashboard:users-index",
    "dashboard:order-stats",
    "dashboard:reports-index",
]


@pytest.fixture
def agent_client(client):
    client.force_login(AgentFactory(communes=[PartnerFactory(name="Rosières")]))
    return client


@pytest.mark.parametrize("url_name", SHOP_SCREENS)
def test_an_agent_reaching_a_shop_screen_by_its_address_gets_a_404(agent_client, url_name):
    assert agent_client.get(reverse(url_name)).status_code == 404


def test_an_agents_menu_names_no_shop_screen(agent_client):
    page = agent_client.get(reverse("dashboard:order-list"))

    assert page.status_code == 200
    html = page.content.decode()
    for url_name in SHOP_SCREENS:
        assert f'href="{reverse(url_name)}"' not in html, url_name


@pytest.mark.parametrize("url_name", ["dashboard:catalogue-class-list", "dashboard:offer-list"])
def test_an_administrator_keeps_the_shop_screens(client, url_name):
    client.force_login(AdministratorFactory())

    assert client.get(reverse(url_name)).status_code == 200
    assert url_name in ADMINISTRATORS_ONLY
