"""The dashboard loads nothing from another origin (Oscar's base template asks Google's CDN for
jQuery; templates/oscar/base.html serves Oscar's own copy): it works offline, and an agent's
browsing tells no outside host which family they look at. The back office's
Content-Security-Policy names no other origin either, so a page that still tried would be
refused by the browser (tests/e2e check the refusals)."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.planning_factories import accept, make_canteen
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

# The attributes through which a page makes the browser fetch (or navigate to) something.
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "data", "poster", "formaction"}


class URLCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value:
                for url in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((tag, name, url.strip().split(" ")[0]))


def outside_urls(html: str) -> list[tuple[str, str, str]]:
    """The URLs of `html` pointing at another origin (absolute or scheme-relative)."""
    collector = URLCollector()
    collector.feed(html)
    return [
        (tag, attribute, url)
        for tag, attribute, url in collector.urls
        if urlsplit(url).netloc and urlsplit(url).netloc != "testserver"
    ]


def test_the_collector_spots_a_cdn_script_and_a_scheme_relative_stylesheet():
    html = (
        '<script src="https://ajax.googleapis.com/jquery.min.js"></script>'
        '<link rel="stylesheet" href="//cdn.example.org/x.css"><a href="/dashboard/">ici</a>'
    )
    assert outside_urls(html) == [
        ("script", "src", "https://ajax.googleapis.com/jquery.min.js"),
        ("link", "href", "//cdn.example.org/x.css"),
    ]


@pytest.fixture
def agent_client(client):
    rosieres = PartnerFactory(name="Rosières")
    service, children, _ = make_canteen(rosieres)
    parent = ParentFactory(first_name="Claire", last_name="Martin")
    accept(parent, children, [BeneficiaryFactory(account=parent, first_name="Léa")])
    client.force_login(AgentFactory(communes=[rosieres]))
    client.family = parent
    client.service = service
    return client


def dashboard_pages(client) -> list[str]:
    return [
        "/dashboard/",
        "/dashboard/familles/comptes/",
        "/dashboard/familles/demandes/",
        f"/dashboard/familles/effectifs/?service={client.service.pk}",
        "/dashboard/familles/fermetures/",
        "/dashboard/porte-monnaie/",
        "/dashboard/porte-monnaie/regies/",
        "/dashboard/reserver/",
        f"/dashboard/reserver/{client.family.pk}/",
    ]


def test_no_dashboard_page_loads_or_links_a_file_from_another_origin(agent_client):
    for path in dashboard_pages(agent_client):
        response = agent_client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "<script" in html, path  # the page's scripts are there, and served by us
        assert outside_urls(html) == [], path


def test_the_back_office_policy_names_no_other_origin(agent_client):
    for path in dashboard_pages(agent_client):
        policy = agent_client.get(path).headers["Content-Security-Policy"]
        for directive in policy.split(";"):
            name, *sources = directive.split()
            outside = [
                source
                for source in sources
                if "://" in source or "." in source or source in {"*", "https:", "http:"}
            ]
            assert outside == [], (path, name)
