"""The oscar-api routes served under /api/: only those on shop/api/urls.py's allow-list, read-only
except login and checkout, scoped to their owner (another parent's object is a 404, as a missing
one). Meals reach a basket only through our endpoints, which price them on the server."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from oscar.core.loading import get_model

from reservations.meals import PRICE_EXPLANATION_OPTION
from tests.booking_factories import MEAL_DAY, OTHER_MEAL_DAY, add_meals, make_canteen, top_up
from tests.factories import ParentFactory
from tests.functional.test_checkout_payment import checkout
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Line = get_model("basket", "Line")
Order = get_model("order", "Order")

CLOSED = (404, 405)

# Every oscar-api route we serve, by URL name. Adding one means adding it to shop/api/urls.py,
# with the reason, and here.
SERVED_OSCARAPI_ROUTES = {
    "api-login",
    "api-basket",
    "basket-detail",
    "basket-lines-list",
    "basket-line-detail",
    "lineattribute-detail",
    "api-checkout",
    "order-list",
    "order-detail",
    "order-lines-list",
    "order-lines-detail",
    "order-lineattributes-detail",
    "user-detail",
    "product-detail",
    "product-price",
    "product-availability",
    "product-stockrecords",
    "product-stockrecord-detail",
    "option-detail",
    # Ours (shop/api/views/receipts.py), listed as they live in shop.api: read-only.
    "api-receipts",
    "api-receipt-pdf",
}

# The apps whose own views answer under /api/ (Wagtail's API v2 is mounted by cms/api.py).
OUR_VIEW_MODULES = (
    "accounts.",
    "reservations.",
    "wallet.",
    "billing.",
    "themes.",
    "search.",
    "cms.",
    "wagtail.api.",
    "drf_spectacular.",
)


@pytest.fixture
def canteen():
    return make_canteen()


@pytest.fixture
def parent():
    return ParentFactory()


@pytest.fixture
def lea(parent):
    return BeneficiaryFactory(account=parent, first_name="Léa")


@pytest.fixture
def basket(parent, lea, canteen):
    _, meal, _ = canteen
    return add_meals(parent, meal, [(lea, MEAL_DAY)])


@pytest.fixture
def order(client, parent, lea, canteen):
    """The parent's order of one meal, paid by wallet through the real checkout."""
    _, meal, _ = canteen
    top_up(parent, "20.00")
    paid = add_meals(parent, meal, [(lea, OTHER_MEAL_DAY)])
    client.force_login(parent)
    assert checkout(client, paid, "wallet").status_code == 200
    client.logout()
    return Order.objects.get(basket=paid)


def line_url(line):
    return f"/api/baskets/{line.basket_id}/lines/{line.pk}/"


def price_attribute(line):
    return line.attributes.get(option__code=PRICE_EXPLANATION_OPTION)


# --- Findings: the basket could be rewritten through oscar-api --------------------------------


def test_parent_cannot_set_a_meal_line_quantity_to_zero(client, parent, basket):
    line = basket.all_lines()[0]
    client.force_login(parent)

    for method in ("patch", "put"):
        response = getattr(client, method)(
            line_url(line), {"quantity": 0}, content_type="application/json"
        )
        assert response.status_code in CLOSED, (method, response.status_code)

    line.refresh_from_db()
    assert line.quantity == 1


def test_parent_cannot_delete_a_meal_line_or_the_basket_through_oscar_api(client, parent, basket):
    line = basket.all_lines()[0]
    client.force_login(parent)

    assert client.delete(line_url(line)).status_code in CLOSED
    assert client.delete(f"/api/baskets/{basket.pk}/").status_code in CLOSED
    assert (
        client.put(
            f"/api/baskets/{basket.pk}/", {"status": "Frozen"}, content_type="application/json"
        ).status_code
        in CLOSED
    )

    assert Line.objects.filter(pk=line.pk).exists()
    basket.refresh_from_db()
    assert basket.status == "Open"


def test_parent_cannot_rewrite_the_frozen_unit_price_of_a_meal_line(client, parent, basket):
    line = basket.all_lines()[0]
    attribute = price_attribute(line)
    frozen = attribute.value
    forged = json.dumps({**json.loads(frozen), "unit_price": "0.00"})
    client.force_login(parent)

    for method in ("patch", "put"):
        response = getattr(client, method)(
            f"{line_url(line)}lineattributes/{attribute.pk}/",
            {"value": forged},
            content_type="application/json",
        )
        assert response.status_code in CLOSED, (method, response.status_code)

    attribute.refresh_from_db()
    assert attribute.value == frozen


def test_parent_cannot_add_a_meal_with_its_own_beneficiary_date_and_price(
    client, parent, lea, canteen
):
    _, meal, _ = canteen
    options = {
        attribute.option.code: attribute.option
        for attribute in add_meals(ParentFactory(), meal, [(lea, MEAL_DAY)])
        .all_lines()[0]
        .attributes.all()
    }
    client.force_login(parent)

    response = client.post(
        "/api/basket/add-product/",
        {
            "url": f"http://testserver/api/products/{meal.pk}/",
            "quantity": 1,
            "options": [
                {"option": f"http://testserver/api/options/{option.pk}/", "value": value}
                for option, value in (
                    (options["beneficiary"], str(lea.pk)),
                    (options["date"], MEAL_DAY.isoformat()),
                    (options[PRICE_EXPLANATION_OPTION], json.dumps({"unit_price": "0.01"})),
                )
            ],
        },
        content_type="application/json",
    )

    assert response.status_code in CLOSED
    assert not Line.objects.filter(basket__owner=parent).exists()


def test_parent_cannot_post_lines_vouchers_or_shipping_to_oscar_api(client, parent, basket):
    client.force_login(parent)
    basket_url = f"http://testserver/api/baskets/{basket.pk}/"

    for path, body in (
        (f"/api/baskets/{basket.pk}/lines/", {"basket": basket_url, "quantity": 5}),
        ("/api/basket/add-voucher/", {"vouchercode": "GRATUIT"}),
        ("/api/basket/shipping-methods/", {}),
        ("/api/useraddresses/", {"line1": "1 rue du Port"}),
        ("/api/register/", {"email": "x@example.org", "password1": "p", "password2": "p"}),
        ("/api/categories-bulk/", [{"data": {"name": "Piratée"}}]),
    ):
        response = client.post(path, body, content_type="application/json")
        assert response.status_code in CLOSED, (path, response.status_code)

    assert basket.all_lines().count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/baskets/",
        "/api/products/",
        "/api/options/",
        "/api/categories/",
        "/api/categories-bulk/",
        "/api/ranges/",
        "/api/countries/",
        "/api/useraddresses/",
        "/api/basket/shipping-methods/",
        "/api/admin/products/",
    ],
)
def test_generic_oscar_api_listings_are_not_served(client, parent, path):
    assert client.get(path).status_code == 404
    client.force_login(parent)
    assert client.get(path).status_code == 404


# --- Findings: another parent's objects answered 403 (or 500), not 404 ------------------------


def test_another_parents_order_and_its_lines_are_not_found(client, order):
    line = order.lines.get()
    attribute = line.attributes.first()
    client.force_login(ParentFactory())

    for path in (
        f"/api/orders/{order.pk}/",
        f"/api/orders/{order.pk}/lines/",
        f"/api/orderlines/{line.pk}/",
        f"/api/orderlineattributes/{attribute.pk}/",
    ):
        assert client.get(path).status_code == 404, path


def test_another_parents_basket_and_its_lines_are_not_found(client, basket):
    line = basket.all_lines()[0]
    client.force_login(ParentFactory())

    for path in (
        f"/api/baskets/{basket.pk}/",
        f"/api/baskets/{basket.pk}/lines/",
        line_url(line),
        f"{line_url(line)}lineattributes/{price_attribute(line).pk}/",
    ):
        assert client.get(path).status_code == 404, path


def test_anonymous_visitors_are_refused_without_a_server_error(client, order, basket):
    line = order.lines.get()
    for path in (
        "/api/baskets/",
        f"/api/baskets/{basket.pk}/",
        f"/api/baskets/{basket.pk}/lines/",
        "/api/orders/",
        f"/api/orders/{order.pk}/",
        "/api/orders/0/lines/",
        f"/api/orders/{order.pk}/lines/",
        "/api/orderlines/1/",
        f"/api/orderlines/{line.pk}/",
        f"/api/orderlineattributes/{line.attributes.first().pk}/",
    ):
        assert client.get(path).status_code in (403, 404), path


# --- What stays served, for the owner ---------------------------------------------------------


def test_parent_reads_their_basket_its_lines_and_the_frozen_price(client, parent, basket):
    line = basket.all_lines()[0]
    client.force_login(parent)

    assert client.get("/api/basket/").json()["id"] == basket.pk
    detail = client.get(f"/api/baskets/{basket.pk}/").json()
    lines = client.get(detail["lines"]).json()["results"]
    assert [item["url"] for item in lines] == [f"http://testserver{line_url(line)}"]
    assert client.get(lines[0]["url"]).json()["quantity"] == 1
    prices = [client.get(attribute["url"]).json()["value"] for attribute in lines[0]["attributes"]]
    assert price_attribute(line).value in prices


def test_parent_reads_their_order_its_lines_and_their_attributes(client, parent, order):
    client.force_login(parent)

    assert [item["number"] for item in client.get("/api/orders/").json()["results"]] == [
        order.number
    ]
    detail = client.get(f"/api/orders/{order.pk}/").json()
    (line,) = client.get(detail["lines"]).json()["results"]
    assert client.get(line["url"]).json()["quantity"] == 1
    for attribute in line["attributes"]:
        assert client.get(attribute["url"]).status_code == 200
    assert client.get(line["product"]).status_code == 200
    assert client.get(line["stockrecord"]).status_code == 200


# --- The allow-list -------------------------------------------------------------------------


def api_routes(resolver=None, prefix=""):
    """(route, URL name, view callable) of every pattern the root URLconf serves under /api/."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("api/") or "api/".startswith(route) or not prefix:
                yield from api_routes(pattern, route)
        elif isinstance(pattern, URLPattern) and route.startswith(("api/", "^api/")):
            yield route, pattern.name, pattern.callback


def view_of(callback):
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback


def comes_from_oscarapi(view) -> bool:
    return any(
        klass.__module__.startswith(("oscarapi.", "shop.api."))
        for klass in getattr(view, "__mro__", [view])
    )


def test_every_route_under_api_is_ours_or_on_the_oscar_api_allow_list():
    unexpected = []
    oscarapi_names = set()
    for route, name, callback in api_routes():
        view = view_of(callback)
        if comes_from_oscarapi(view):
            oscarapi_names.add(name)
            if name not in SERVED_OSCARAPI_ROUTES:
                unexpected.append((route, name))
        elif not view.__module__.startswith(OUR_VIEW_MODULES):
            unexpected.append((route, view.__module__))

    assert unexpected == []
    assert oscarapi_names == SERVED_OSCARAPI_ROUTES


def test_served_oscar_api_routes_only_read_except_login_and_checkout():
    writers = set()
    for _, name, callback in api_routes():
        view = view_of(callback)
        if not comes_from_oscarapi(view):
            continue
        methods = {method for method in view.http_method_names if hasattr(view, method)}
        if methods - {"get", "head", "options"}:
            writers.add(name)

    assert writers == {"api-login", "api-checkout"}


def test_a_voucher_cannot_be_applied_through_oscar_api(client, parent, basket):
    client.force_login(parent)

    response = client.post(
        "/api/basket/add-voucher/", {"vouchercode": "GRATUIT"}, content_type="application/json"
    )

    assert response.status_code in CLOSED
    assert not basket.vouchers.exists()
