"""Oscar's customer storefront under /shop/ (catalogue, reviews, offers, alerts, accounts,
registration, password reset, basket, checkout, wish lists, search) answers 404 to everyone:
parents register, log in and book on the families' site and the API, under our rules. Its URL
names stay, for the dashboard's templates and the models' get_absolute_url."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLResolver, get_resolver, reverse

from tests.factories import ParentFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

# Values that every Oscar storefront parameter accepts; `action` is the one choice-like regex.
PARAMETER_VALUES = {"action": "default_for_billing"}


def storefront_patterns():
    """(namespaced URL name or None, parameter names, route) of every page mounted under
    /shop/, reading the resolver rather than a list that could fall behind Oscar."""
    (shop,) = [url for url in get_resolver().url_patterns if str(url.pattern) == "shop/"]

    def walk(resolver, namespaces, route, parameters):
        for url in resolver.url_patterns:
            names = parameters | parameter_names(url.pattern)
            if isinstance(url, URLResolver):
                inner = namespaces + ([url.namespace] if url.namespace else [])
                yield from walk(url, inner, route + str(url.pattern), names)
            else:
                name = ":".join([*namespaces, url.name]) if url.name else None
                yield name, names, route + str(url.pattern)

    return list(walk(shop, [], "/shop/", set()))


def parameter_names(pattern) -> set[str]:
    regex = getattr(pattern, "regex", None)
    return set(regex.groupindex) if regex is not None else set()


def storefront_urls() -> list[str]:
    urls = set()
    for name, parameters, route in storefront_patterns():
        if name is None:
            assert not parameters, route
            urls.add(route)
            continue
        kwargs = {parameter: PARAMETER_VALUES.get(parameter, "1") for parameter in parameters}
        urls.add(reverse(name, kwargs=kwargs))
    return sorted(urls)


def test_the_walk_covers_each_of_oscars_storefront_apps():
    names = {name for name, _, _ in storefront_patterns() if name}
    namespaces = {name.split(":")[0] for name in names if ":" in name}

    assert {"catalogue", "basket", "checkout", "customer", "search", "offer"} <= namespaces
    assert {"customer:register", "customer:logout", "password-reset"} <= names
    assert "catalogue:reviews-add" in names
    assert len(storefront_urls()) > 60


def test_every_storefront_page_is_a_404_for_anonymous_visitors(client):
    answers = {url: client.get(url).status_code for url in storefront_urls()}

    assert {url: status for url, status in answers.items() if status != 404} == {}


def test_every_storefront_page_is_a_404_for_a_logged_in_parent(client):
    client.force_login(ParentFactory())

    answers = {url: client.get(url).status_code for url in storefront_urls()}

    assert {url: status for url, status in answers.items() if status != 404} == {}


def test_registering_through_oscars_form_creates_no_account(client):
    response = client.post(
        reverse("customer:register"),
        {
            "email": "intrus@example.org",
            "password1": "Un mot de passe solide 42",
            "password2": "Un mot de passe solide 42",
        },
    )

    assert response.status_code == 404
    assert not User.objects.filter(email="intrus@example.org").exists()


def test_oscars_get_logout_leaves_the_parent_logged_in(client):
    parent = ParentFactory()
    client.force_login(parent)

    assert client.get(reverse("customer:logout")).status_code == 404
    assert client.session["_auth_user_id"] == str(parent.pk)


def test_oscars_password_reset_sends_no_email(client, mailoutbox):
    parent = ParentFactory()

    response = client.post(reverse("password-reset"), {"email": parent.email})

    assert response.status_code == 404
    assert mailoutbox == []
