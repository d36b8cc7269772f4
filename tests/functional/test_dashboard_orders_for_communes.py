"""A commune's orders in the dashboard say what a family ordered in the commune's words: no
addresses, no shipping, no status to pick, no link to the administrators' customer, product or
partner pages; the family links its porte-monnaie and each box has a name."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shop.checkout import checkout as place
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.functional.test_checkout_payment import fill_basket, top_up
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_and_agent(client):
    commune = PartnerFactory(name="Aiguilhe")
    client.force_login(AgentFactory(communes=[commune]))
    _, (morning,) = make_service(commune, "Garderie d'Aiguilhe", {"Matin": "1.50"})
    parent = ParentFactory(first_name="Claire", last_name="Martin")
    top_up(parent, "5.00")
    order = place(fill_basket(parent, morning).pk, payer=parent, payment_method="wallet").order
    return order, parent


def test_the_orders_list_names_the_family_and_no_address_nor_status_to_pick(
    client, order_and_agent
):
    order, parent = order_and_agent

    html = client.get(reverse("dashboard:order-list")).content.decode()

    wallet = reverse("wallet-dashboard:wallet-detail", kwargs={"pk": parent.pk})
    assert f'<a href="{wallet}">Claire Martin</a>' in html
    assert f'aria-label="Sélectionner la commande {order.number}"' in html
    assert "Télécharger la sélection (CSV)" in html
    for shop_word in ("Adresse de livraison", "Adresse de facturation", "new_status"):
        assert shop_word not in html, shop_word
    assert "/dashboard/users/" not in html


def test_an_orders_page_shows_its_meals_and_the_family_without_shop_pages(client, order_and_agent):
    order, parent = order_and_agent

    html = client.get(
        reverse("dashboard:order-detail", kwargs={"number": order.number})
    ).content.decode()

    wallet = reverse("wallet-dashboard:wallet-detail", kwargs={"pk": parent.pk})
    assert f'<a href="{wallet}">Claire Martin</a>' in html
    assert "<td>Garderie d&#x27;Aiguilhe — Matin</td>" in html
    assert "Evénements de livraison" not in html
    assert 'role="tab" aria-controls="lines"' in html
    for shop_word in ("/dashboard/catalogue/", "/dashboard/partners/", "selected_line"):
        assert shop_word not in html, shop_word
    assert "initTable" not in html  # Oscar 4.2's dashboard.js has none: a script error


def test_the_menu_names_the_orders_in_a_communes_words(client, order_and_agent):
    html = client.get(reverse("dashboard:index")).content.decode()

    start = html.index('id="bottom_nav_bar"')
    menu = html[start : html.index("</nav>", start)]
    assert re.search(r"</i>\s*Commandes\s*</a>", menu)
    assert "Vente" not in menu


def order_page_queries(client, size: int) -> int:
    commune = PartnerFactory(name=f"Bains {size}")
    client.force_login(AgentFactory(communes=[commune]))
    _, (meal,) = make_service(commune, f"Cantine de Bains {size}", {"Repas": "1.00"})
    parent = ParentFactory()
    top_up(parent, "50.00")
    basket = fill_basket(parent, (meal, size))
    order = place(basket.pk, payer=parent, payment_method="wallet").order
    url = reverse("dashboard:order-detail", kwargs={"number": order.number})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_an_orders_page_costs_as_many_queries_for_2_meals_as_for_12(client):
    order_page_queries(client, 1)  # the first page fills the caches (content types, site)
    few = order_page_queries(client, 2)
    many = order_page_queries(client, 12)

    assert many == few
