"""A commune's agent meets none of a shop's screens in Oscar's dashboard: they are not in the
menu, and their addresses answer 404 (a service's prices are its tariff grid's, not a product
editor's); an administrator keeps them."""

import pytest
from django.urls import reverse

from shop.checkout import checkout as place
from shop.dashboard.scope import ADMINISTRATORS_ONLY
from tests.factories import AdministratorFactory, AgentFactory, ParentFactory, PartnerFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

SHOP_SCREENS = [
    "dashboard:catalogue-product-list",
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


def test_an_agent_cannot_set_an_orders_status_by_hand_nor_sees_its_shipping(agent_client):
    from oscar.core.loading import get_model

    from tests.functional.test_checkout_payment import fill_basket, top_up

    order_model = get_model("order", "Order")
    commune = PartnerFactory(name="Aiguilhe")
    agent_client.force_login(AgentFactory(communes=[commune]))
    _, (morning,) = make_service(commune, "Garderie d'Aiguilhe", {"Matin": "1.50"})
    parent = ParentFactory()
    top_up(parent, "5.00")
    basket = fill_basket(parent, morning)
    order = place(basket.pk, payer=parent, payment_method="wallet").order
    url = reverse("dashboard:order-detail", kwargs={"number": order.number})

    page = agent_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="change_order_status"' not in html
    assert 'value="create_payment_event"' not in html
    assert 'href="#shipping"' not in html

    refused = agent_client.post(
        url, {"order_action": "change_order_status", "new_status": "Annulée"}, follow=True
    )
    assert "jamais à la main" in refused.content.decode()
    assert order_model.objects.get(pk=order.pk).status == "Payée"
    refused = agent_client.post(
        url, {"line_action": "create_payment_event", "payment_event_type": "x", "amount": "9"}
    )
    assert not order.payment_events.filter(amount=9).exists()
