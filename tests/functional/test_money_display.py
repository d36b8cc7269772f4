"""Prices on the family pages and the service pages read as the reader's language writes them:
"3,30 €" in French, "€3.30" in English (wallet.money.euros)."""

import html
from decimal import Decimal

import pytest
from django.utils import translation

from tests.access_factories import ask, make_option
from tests.factories import ParentFactory

pytestmark = pytest.mark.django_db

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture(autouse=True)
def _language_put_back():
    """LocaleMiddleware leaves the request's language active in this thread after the answer:
    put back the one the next test expects."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def parent(client):
    parent = ParentFactory()
    client.force_login(parent)
    return parent


def page(client, url, language) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("language", "price", "other_writing"),
    [("fr", f"3,30{NBSP}€", "€3.30"), ("en", "€3.30", "3,30")],
)
def test_the_services_and_request_pages_show_prices_in_the_readers_language(
    client, parent, language, price, other_writing
):
    option = make_option(price="3.30")

    for url in ("/espace/services/", f"/espace/services/demander/{option.pk}/"):
        shown = page(client, url, language)
        assert price in shown
        assert other_writing not in shown


@pytest.mark.parametrize(
    ("language", "income"), [("fr", f"24{NNBSP}000,00{NBSP}€"), ("en", "€24,000.00")]
)
def test_the_request_page_shows_the_tax_income_with_thousands(client, parent, language, income):
    access = ask(parent, make_option(), income="24000", shares="2")
    assert access.reference_tax_income == Decimal("24000")

    assert income in page(client, f"/espace/services/demandes/{access.pk}/", language)
