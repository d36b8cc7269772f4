"""The public site in the theme: the home page, commune, service, menu, news and content pages
that Wagtail serves, the search page /recherche/, the accessibility statement in every footer,
and each demo site's own branding (chosen by the request's host)."""

import re
from html import unescape
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape
from oscar.core.loading import get_model
from wagtail.models import Page, Site

from accounts.models import User
from cms.allergens import Allergen
from cms.models import CommunePage, ContentPage, MenuPage, NewsPage, ServicePage
from reservations.models import ServiceCalendar
from themes.models import ThemeSettings

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

PUY = "127.0.0.1:8000"
DOMBES = "dombes.localhost:8000"
SEARCH = "/recherche/"


@pytest.fixture
def demo(demo_world):
    """The demo world as `make seed` builds it, services indexed for search as in production
    (by the task each catalogue change queues once its transaction commits); seeded once for
    the module (tests/conftest.py)."""


def html_of(client, path, host=PUY, **params):
    response = client.get(path, params, HTTP_HOST=host)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def path_of(page):
    """The page's URL on its own site, as its pages link it (the demo has two sites, so
    Page.url is absolute)."""
    return urlsplit(page.full_url).path


def page_html(client, page):
    url = urlsplit(page.full_url)
    return html_of(client, url.path, host=url.netloc)


def text_of(html):
    """The words of a piece of HTML, tags dropped and blanks collapsed."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def section(html, heading_id):
    """The HTML of the <section> labelled by the heading with that id."""
    match = re.search(
        rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', html, re.S
    )
    assert match, heading_id
    return match.group(1)


def footer(html):
    return html[html.index('<footer class="site-footer">') :]


def one_h1(html):
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert len(headings) == 1, headings
    return text_of(headings[0])


# --- Home ---------------------------------------------------------------------------------------


def test_the_home_page_welcomes_parents_with_the_two_account_actions(client, demo):
    html = html_of(client, "/")

    assert one_h1(html) == "Communauté d'agglomération du Puy-en-Velay"
    hero = section(html, "hero-title")
    assert f'href="{reverse("portail:login")}">Connexion</a>' in hero
    assert f'href="{reverse("portail:register")}">Créer ou accéder à mon compte usager</a>' in hero
    assert "Réservez les repas de cantine" in hero  # the home page's own introduction


def test_the_home_page_lists_the_communes_with_their_services_the_news_and_quick_links(
    client, demo
):
    html = html_of(client, "/")

    communes = section(html, "communes-title")
    for name in ("Aiguilhe", "Allègre", "Bains", "Rosières"):
        assert f">{name}</a></h3>" in communes
    rosieres = ServicePage.objects.get(title="Cantine de Rosières")
    assert f'href="{path_of(rosieres)}">Cantine de Rosières</a>' in communes
    news = section(html, "news-title")
    assert "Un nouveau portail pour les familles" in news
    assert 'href="/actualites/">Toutes les actualités</a>' in news
    quick_links = section(html, "quick-links-title")
    for url_name in ("services", "planning", "bookings", "wallet", "beneficiaries"):
        assert f'href="{reverse(f"portail:{url_name}")}"' in quick_links
    assert "Mon porte-monnaie" in quick_links and "Mes filiations" in quick_links


def test_the_home_page_has_no_developer_links_only_a_discreet_professional_one(client, demo):
    html = html_of(client, "/")

    assert "/api/docs/" not in html
    assert 'href="/cms/"' not in html
    assert 'href="/dashboard/">Espace professionnel (agents des communes)</a>' in html


def test_a_signed_in_parent_is_offered_their_space_instead_of_the_account_actions(client, demo):
    client.force_login(User.objects.get(email="claire.martin@example.org"))

    hero = section(html_of(client, "/"), "hero-title")

    assert f'href="{reverse("portail:space")}">Accéder à mon espace</a>' in hero
    assert "Créer ou accéder à mon compte usager" not in hero


# --- Commune, service, menus ---------------------------------------------------------------------


def test_the_commune_page_shows_its_services_and_its_town_hall(client, demo):
    commune = CommunePage.objects.get(slug="rosieres")

    html = page_html(client, commune)

    assert one_h1(html) == "Rosières"
    services = section(html, "services-title")
    for service in ServicePage.objects.child_of(commune):
        assert f'href="{path_of(service)}">{escape(service.title)}</a>' in services
    town_hall = text_of(section(html, "town-hall-title"))
    assert "1 place de la Mairie 43800 Rosières" in town_hall
    assert "Téléphone : 04 65 71 10 04" in town_hall
    assert 'href="tel:0465711004"' in html
    # Breadcrumbs: back to the site's home.
    assert '<li><a href="/">Accueil</a></li>' in html


def test_the_service_page_shows_its_tariffs_in_a_table_with_headers(client, demo):
    html = page_html(client, ServicePage.objects.get(title="Cantine de Rosières"))

    assert one_h1(html) == "Cantine de Rosières"
    tariffs = section(html, "tariffs-title")
    assert "<caption>" in tariffs
    assert '<th scope="col">Formule</th>' in tariffs
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td[^>]*>(.*?)</td>', tariffs, re.S)
    assert [(title, text_of(price)) for title, price in rows] == [
        ("Réservation cantine pour adultes", "5,90 €"),
        ("Réservation cantine pour enfants", "3,30 €"),
    ]


def test_the_service_page_shows_the_deadlines_the_booking_rules_apply(client, demo):
    page = ServicePage.objects.get(title="Cantine de Rosières")
    ServiceCalendar.objects.filter(service=page.product).update(
        booking_rule_kind="weekday_of_previous_week",
        booking_rule_params={"weekday": 2, "at": "23:59"},
    )

    deadlines = text_of(section(page_html(client, page), "deadlines-title"))

    assert "Réserver au plus tard le mardi de la semaine précédente, à 23:59" in deadlines
    assert "Annuler au plus tard 2 jours ouvrés avant, à 10:00" in deadlines


def test_the_service_page_shows_its_regulation_its_menus_and_how_to_ask_access(client, demo):
    page = ServicePage.objects.get(title="Cantine de Rosières")

    html = page_html(client, page)

    regulation = section(html, "regulation-title")
    assert "<h3>Inscriptions</h3>" in regulation
    assert "Allergies et projet d'accueil individualisé (PAI)" in text_of(regulation)
    menu = MenuPage.objects.child_of(page).get()
    assert f'href="{path_of(menu)}">{menu.title}</a>' in section(html, "menus-title")
    ask = "Demander l'accès à ce service"
    assert f'<a class="button" href="{reverse("portail:services")}">{ask}</a>' in html
    assert "Contactez la mairie (Rosières)" in text_of(section(html, "contact-title"))


def test_the_menu_page_names_each_dishs_allergens_in_words(client, demo):
    menu = MenuPage.objects.get()

    html = page_html(client, menu)
    text = text_of(html)

    assert "Plat : Filet de colin pané (Poissons, Gluten, Œufs)" in text
    assert "Entrée : Carottes râpées à la vinaigrette (Moutarde)" in text
    assert "Accompagnement : Riz pilaf" in text
    days = re.findall(r'<section class="card menu-day">\s*<h2>(.*?)</h2>', html)
    assert len(days) == 5 and days[0].startswith("Lundi ")
    # The legend names all 14 regulated allergens.
    legend = html[html.index("<details>") : html.index("</details>")]
    for allergen in Allergen:
        assert f"<li>{escape(allergen.label)}</li>" in legend
    assert "Anhydride sulfureux et sulfites" in legend


# --- News and content pages ----------------------------------------------------------------------


def test_the_news_index_lists_the_news_and_each_news_page_reads_in_full(client, demo):
    news = NewsPage.objects.get(slug="nouveau-portail-famille")

    index_html = page_html(client, news.get_parent())
    news_html = page_html(client, news)

    assert one_h1(index_html) == "Actualités"
    link = f'<h2><a href="{path_of(news)}">Un nouveau portail pour les familles</a></h2>'
    assert link in index_html
    assert one_h1(news_html) == "Un nouveau portail pour les familles"
    assert f'<time datetime="{news.date:%Y-%m-%d}">' in news_html
    assert "Le portail famille remplace l'ancien espace citoyen" in text_of(news_html)


def test_a_news_index_without_news_says_so(client, demo):
    NewsPage.objects.all().delete()

    html = html_of(client, "/actualites/")

    assert "Aucune actualité pour le moment." in html


# --- Accessibility statement ---------------------------------------------------------------------


def test_each_site_has_a_published_accessibility_statement(client, demo):
    for host in (PUY, DOMBES):
        site = Site.objects.get(hostname=host.split(":")[0])
        statement = ContentPage.objects.descendant_of(site.root_page).get(slug="accessibilite")

        html = html_of(client, "/accessibilite/", host=host)
        text = text_of(html)

        assert statement.live
        assert one_h1(html) == "Déclaration d'accessibilité"
        assert "partiellement conforme" in text
        for heading in ("État de conformité", "Contenus non accessibles", "Voies de recours"):
            assert f"<h2>{escape(heading)}</h2>" in html
        assert "Défenseur des droits" in text
        theme = ThemeSettings.objects.get(site=site)
        assert theme.accessibility_statement_id == statement.pk
        assert f'href="mailto:{theme.contact_email}"' in html


def test_every_page_links_its_own_sites_accessibility_statement_in_its_footer(client, demo):
    for host in (PUY, DOMBES):
        for path in ("/", "/actualites/", "/accessibilite/", SEARCH):
            html = html_of(client, path, host=host)

            # Relative, or absolute on the site asked: never another site's statement.
            link = rf'<a href="(http://{re.escape(host)})?/accessibilite/">Accessibilité : '
            assert re.search(link + "partiellement conforme</a>", footer(html)), (host, path)


def test_seeding_again_keeps_one_accessibility_statement_per_site(demo):
    call_command("seed_demo", stdout=StringIO())

    assert ContentPage.objects.filter(slug="accessibilite").count() == 2


# --- Each site's own theme -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "name", "primary", "logo", "commune", "other_commune"),
    [
        (PUY, "Portail Famille — Agglomération du Puy-en-Velay", "#1d4e89", "logo-pf", "Rosières",
         "Baneins"),
        (DOMBES, "Dombes Connect", "#2e6b30", "logo-dc", "Baneins", "Rosières"),
    ],
)  # fmt: skip
def test_each_site_renders_with_its_own_name_logo_colours_and_communes(
    client, demo, host, name, primary, logo, commune, other_commune
):
    html = html_of(client, "/", host=host)

    home = Site.objects.get(hostname=host.split(":")[0]).root_page
    assert f"<title>{escape(home.title)} — {escape(name)}</title>" in html
    assert f'<span class="brand__name">{escape(name)}</span>' in html
    assert f":root{{--primary:{primary};" in html
    brand_logo = re.search(r'<img src="([^"]+)"[^>]*class="brand__logo"', html)
    assert brand_logo and logo in brand_logo.group(1)
    communes = section(html, "communes-title")
    assert f">{commune}</a></h3>" in communes
    assert other_commune not in communes


def test_the_search_page_is_themed_for_the_site_asked(client, demo):
    html = html_of(client, SEARCH, host=DOMBES)

    assert '<span class="brand__name">Dombes Connect</span>' in html
    assert ":root{--primary:#2e6b30;" in html


# --- Search --------------------------------------------------------------------------------------


def results(html, heading_id):
    """[(title, url)] of one group of results."""
    links = re.findall(r'<h3 class="result__title"><a href="([^"]*)">(.*?)</a></h3>',
                       section(html, heading_id))  # fmt: skip
    return [(title, url) for url, title in links]


def test_search_finds_a_service_without_its_accents_and_links_its_page(client, demo):
    html = html_of(client, SEARCH, q="periscolaire")

    garderie = ServicePage.objects.get(title="Garderie périscolaire d'Aiguilhe")
    assert results(html, "results-services") == [(escape(garderie.title), path_of(garderie))]
    assert "Commune : Aiguilhe" in html
    assert one_h1(html) == "Recherche"
    # The query stays in both search fields.
    assert 'value="periscolaire"' in html


def test_search_finds_a_page_without_its_accents(client, demo):
    html = html_of(client, SEARCH, q="declaration accessibilite")

    assert (escape("Déclaration d'accessibilité"), "/accessibilite/") in results(
        html, "results-pages"
    )


def test_search_groups_services_before_pages(client, demo):
    html = html_of(client, SEARCH, q="menus")

    services = html.find('id="results-services"')
    pages = html.find('id="results-pages"')
    menu = MenuPage.objects.get()
    assert (menu.title, path_of(menu)) in results(html, "results-pages")
    assert services == -1 or services < pages


def test_search_keeps_to_the_services_and_pages_of_the_site_asked(client, demo):
    html = html_of(client, SEARCH, host=DOMBES, q="cantine")

    titles = [title for title, _ in results(html, "results-services")]
    assert titles == ["Cantine de Saint-Marcel-en-Dombes"]
    found = html[html.index('id="results-services"') : html.index("</main>")]
    assert "Rosières" not in text_of(found) and "Bains" not in text_of(found)


def test_a_search_without_results_says_so_and_suggests_what_to_do(client, demo):
    html = html_of(client, SEARCH, q="piscine municipale")

    assert "Aucun résultat pour « piscine municipale »" in text_of(html)
    assert "Aucune page ni aucun service ne correspond à votre recherche." in html
    assert 'id="results-services"' not in html and 'id="results-pages"' not in html


def test_the_search_page_without_a_query_invites_to_type_words(client, demo):
    html = html_of(client, SEARCH)

    assert "Saisissez un ou plusieurs mots" in html
    assert "aria-invalid" not in html
    assert "résultat" not in html


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("   ", "Saisissez un ou plusieurs mots à rechercher."),
        ("x" * 201, "Raccourcissez votre recherche : 200 caractères au plus."),
    ],
)
def test_an_empty_or_too_long_query_is_refused_next_to_the_field(client, demo, query, error):
    html = html_of(client, SEARCH, q=query)

    assert f'<p class="field__error" id="id_q_error">{error}</p>' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_q_help id_q_error"' in html
    assert "results-" not in html


def test_search_results_are_paginated_keeping_the_query(client, demo):
    home = Site.objects.get(is_default_site=True).root_page
    for number in range(25):
        page = home.add_child(
            instance=ContentPage(title=f"Fiche pratique piscine {number}", slug=f"p{number}")
        )
        page.save_revision().publish()

    first = html_of(client, SEARCH, q="piscine")
    second = html_of(client, SEARCH, q="piscine", page=2)

    assert "25 résultats pour « piscine »" in text_of(first)
    assert len(results(first, "results-pages")) == 20
    assert len(results(second, "results-pages")) == 5
    assert 'href="?q=piscine&amp;page=2" rel="next"' in first
    assert "Page 2 sur 2" in second


def test_an_unpublished_page_is_neither_listed_nor_found(client, demo):
    news = NewsPage.objects.get(slug="nouveau-portail-famille")
    news.unpublish()

    home = html_of(client, "/")
    found = html_of(client, SEARCH, q="nouveau portail")

    assert "Un nouveau portail pour les familles" not in home
    assert "Un nouveau portail pour les familles" not in found
    assert Page.objects.filter(pk=news.pk, live=False).exists()
