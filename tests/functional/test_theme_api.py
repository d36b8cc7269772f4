"""GET /api/themes/current/: each site's branding, chosen by the request's host; and the
accessibility rule on the primary colour, in the model and in the Wagtail admin."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, Site

from config.demo import seed_sites
from tests.factories import AdministratorFactory
from themes.demo import DEMO_THEMES, seed_themes
from themes.models import ThemeSettings
from themes.rules import contrast_with_white
from themes.validators import validate_text_contrast_with_white

pytestmark = pytest.mark.django_db

URL = "/api/themes/current/"
PUY = "127.0.0.1:8000"
DOMBES = "dombes.localhost:8000"


@pytest.fixture
def demo_sites():
    """The demo's two sites, themed as `seed_demo` themes them."""
    seed_sites()
    seed_themes()
    return {site.hostname: site for site in Site.objects.all()}


def get_theme(client, host):
    response = client.get(URL, HTTP_HOST=host)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("host", "name", "primary", "secondary", "site_name"),
    [
        (
            PUY,
            "Portail Famille — Agglomération du Puy-en-Velay",
            "#1d4e89",
            "#f2a900",
            "Communauté d'agglomération du Puy-en-Velay",
        ),
        (DOMBES, "Dombes Connect", "#2e6b30", "#e0e7d9", "Dombes"),
    ],
)
def test_each_demo_site_returns_its_own_name_colours_and_logo(
    client, demo_sites, host, name, primary, secondary, site_name
):
    theme = get_theme(client, host)

    assert theme["name"] == name
    assert theme["site"]["name"] == site_name
    assert theme["site"]["hostname"] == host.split(":")[0]
    assert theme["colours"] == {"primary": primary, "secondary": secondary}
    assert theme["logo"]["title"] == f"Logo — {name}"
    header_logo = theme["logo"]["renditions"]["max-400x200"]
    assert header_logo["url"].startswith(f"http://{host}/media/images/")
    assert header_logo["url"].endswith(".png")
    # The 600×240 drawing fits 400×200 at 400×160; "max" never enlarges the 2× one.
    assert (header_logo["width"], header_logo["height"]) == (400, 160)
    double = theme["logo"]["renditions"]["max-800x400"]
    assert (double["width"], double["height"]) == (600, 240)


def test_the_two_sites_do_not_share_a_logo(client, demo_sites):
    puy = get_theme(client, PUY)["logo"]["renditions"]["max-400x200"]["url"]
    dombes = get_theme(client, DOMBES)["logo"]["renditions"]["max-400x200"]["url"]

    assert puy.rsplit("/", 1)[-1] != dombes.rsplit("/", 1)[-1]


def test_contact_and_footer_links_come_with_the_theme(client, demo_sites):
    theme = get_theme(client, DOMBES)

    assert theme["contact"] == {
        "email": "contact.dombes@portail-famille.test",
        "phone": "04 65 71 00 02",
    }
    assert theme["footer_links"] == [
        # The site's home page, by its path on that site.
        {"label": "Accueil", "url": "/"},
        {"label": "Communauté de communes de la Dombes", "url": "https://www.ccdombes.fr/"},
    ]
    assert theme["accessibility_statement"] is None


def test_the_accessibility_statement_page_is_linked_once_published(client, demo_sites):
    site = demo_sites["dombes.localhost"]
    statement = site.root_page.add_child(
        instance=Page(title="Déclaration d'accessibilité", slug="accessibilite", live=False)
    )
    theme = ThemeSettings.objects.get(site=site)
    theme.accessibility_statement = statement
    theme.save()

    assert get_theme(client, DOMBES)["accessibility_statement"] is None  # a draft: no link

    statement.save_revision().publish()

    assert get_theme(client, DOMBES)["accessibility_statement"] == {
        "title": "Déclaration d'accessibilité",
        "url": "/accessibilite/",
    }


def test_an_unknown_host_gets_the_default_site_theme(client, demo_sites):
    assert get_theme(client, "localhost:8000")["name"] == DEMO_THEMES[0].name


def test_a_site_without_a_theme_gets_default_colours_and_nothing_is_written(client, demo_sites):
    ThemeSettings.objects.filter(site=demo_sites["dombes.localhost"]).delete()

    theme = get_theme(client, DOMBES)

    assert theme["name"] == "Dombes"
    assert theme["colours"] == {"primary": "#1d4e89", "secondary": "#f2a900"}
    assert theme["logo"] is None
    assert not ThemeSettings.objects.filter(site=demo_sites["dombes.localhost"]).exists()


def test_seeding_the_themes_twice_changes_nothing(demo_sites):
    from wagtail.images import get_image_model

    images = get_image_model().objects.count()
    before = list(ThemeSettings.objects.order_by("pk").values())

    seed_themes()

    assert get_image_model().objects.count() == images == 2
    assert list(ThemeSettings.objects.order_by("pk").values()) == before


def test_the_theme_costs_the_same_queries_whatever_its_footer_links(client, demo_sites):
    get_theme(client, PUY)  # renders the logo renditions once, as any first visit does
    get_theme(client, DOMBES)
    with CaptureQueriesContext(connection) as two_links:
        get_theme(client, DOMBES)

    theme = ThemeSettings.objects.get(site=demo_sites["dombes.localhost"])
    home = demo_sites["dombes.localhost"].root_page
    pages = [home.add_child(instance=Page(title=f"Page {n}", slug=f"page-{n}")) for n in range(10)]
    theme.footer_links = [
        ("link", {"label": page.title, "page": page, "url": ""}) for page in pages
    ] + [("link", {"label": "Ailleurs", "page": None, "url": "https://example.org/"})]
    theme.save()
    with CaptureQueriesContext(connection) as eleven_links:
        theme_with_links = get_theme(client, DOMBES)

    assert len(theme_with_links["footer_links"]) == 11
    # The site, the theme (its logo and statement page joined), the footer pages in one go; the
    # logo's renditions come from Wagtail's rendition cache (one more query when it is cold).
    assert len(eleven_links) == len(two_links) <= 4, [q["sql"] for q in eleven_links]


# --- Accessibility of the primary colour ------------------------------------------------------


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54), ("#777777", 4.48), ("#1d4e89", 8.39)],
)
def test_contrast_with_white_follows_wcag(colour, ratio):
    assert contrast_with_white(colour) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize("colour", ["#f2a900", "#777777", "#e0e7d9", "#FFFFFF"])
def test_a_primary_colour_too_light_for_white_text_is_refused_in_french(colour):
    with pytest.raises(ValidationError) as refused:
        validate_text_contrast_with_white(colour)

    assert refused.value.code == "low_contrast"
    assert "trop claire" in refused.value.messages[0]
    assert "4,5:1" in refused.value.messages[0]


@pytest.mark.parametrize("colour", ["#767676", "#1d4e89", "#2e6b30", "#000000"])
def test_a_primary_colour_dark_enough_is_accepted(colour):
    validate_text_contrast_with_white(colour)


def test_the_demo_themes_pass_their_own_validation(demo_sites):
    for theme in ThemeSettings.objects.all():
        theme.full_clean()


@pytest.mark.parametrize("colour", ["1d4e89", "#1d4e8", "#1d4e8g", "bleu"])
def test_a_colour_not_written_as_hex_is_refused(demo_sites, colour):
    theme = ThemeSettings.objects.first()
    theme.secondary_colour = colour

    with pytest.raises(ValidationError) as refused:
        theme.full_clean()

    assert "#RRVVBB" in refused.value.message_dict["secondary_colour"][0]


def test_a_footer_link_needs_a_page_or_an_address_but_not_both(demo_sites):
    from wagtail.blocks import StructBlockValidationError

    from themes.models import FooterLinkBlock

    block = FooterLinkBlock()
    home = demo_sites["127.0.0.1"].root_page
    for page, url in [(None, ""), (home, "https://example.org/")]:
        value = block.to_python({"label": "Plan", "page": page and page.pk, "url": url})
        with pytest.raises(StructBlockValidationError) as refused:
            block.clean(value)
        assert "soit une page du site, soit une adresse externe" in str(
            refused.value.block_errors["page"]
        )

    for page, url in [(home, ""), (None, "https://example.org/")]:
        block.clean(block.to_python({"label": "Plan", "page": page and page.pk, "url": url}))


def test_the_wagtail_admin_refuses_a_too_light_primary_colour(client, demo_sites):
    client.force_login(AdministratorFactory())
    site = demo_sites["dombes.localhost"]
    url = reverse("wagtailsettings:edit", args=["themes", "themesettings", site.pk])

    response = client.post(
        url,
        {
            "name": "Dombes Connect",
            "logo": "",
            "primary_colour": "#f2a900",
            "secondary_colour": "#e0e7d9",
            "contact_email": "",
            "contact_phone": "",
            "footer_links-count": "0",
            "accessibility_statement": "",
        },
    )

    assert response.status_code == 200  # the form again, with its errors
    assert "Cette couleur est trop claire" in response.content.decode()
    assert ThemeSettings.objects.get(site=site).primary_colour == "#2e6b30"
