"""One search over published pages and bookable services (search/), on Wagtail's database
backend over PostgreSQL full text with the "french_unaccent" configuration, through
GET /api/search/ and the models' own search() / autocomplete()."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from oscar.core.loading import get_model
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend

from cms.models import HomePage
from search.api import SearchView
from search.models import SearchableService
from tests.factories import PartnerFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

URL = "/api/search/"


@pytest.fixture
def catalogue(django_capture_on_commit_callbacks):
    """Rosières' canteen and holiday club and Aiguilhe's daycare, indexed as in production:
    by the task each change queues once its transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        rosieres = PartnerFactory(name="Rosières", code="rosieres")
        aiguilhe = PartnerFactory(name="Aiguilhe", code="aiguilhe")
        cantine, _ = make_service(
            rosieres,
            "Cantine de Rosières",
            {
                "Réservation cantine pour adultes": "5.90",
                "Réservation cantine pour enfants": "3.30",
            },
        )
        loisirs, _ = make_service(
            rosieres,
            "Accueil de loisirs de Rosières",
            {"Inscription accueil de loisirs résident commune": "8.00"},
        )
        garderie, _ = make_service(
            aiguilhe, "Garderie périscolaire d'Aiguilhe", {"1er enfant à la garderie": "1.50"}
        )
    return {"cantine": cantine, "loisirs": loisirs, "garderie": garderie, "rosieres": rosieres}


@pytest.fixture
def home():
    """The root page of the site that answers the test client (Wagtail's default site)."""
    return Site.objects.get(is_default_site=True).root_page


def add_page(parent, title, text="", *, live=True):
    page = parent.add_child(instance=HomePage(title=title, intro=text, live=False))
    if live:
        page.save_revision().publish()
        page.refresh_from_db()  # publish() worked on a copy
    return page


def search(client, q, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def titles(body):
    return [result["title"] for result in body["results"]]


# --- Accents and French -----------------------------------------------------------------------


def test_search_finds_a_service_by_commune_name_without_accents(client, catalogue):
    body = search(client, "rosieres")

    assert set(titles(body)) == {"Cantine de Rosières", "Accueil de loisirs de Rosières"}
    cantine = next(r for r in body["results"] if r["title"] == "Cantine de Rosières")
    assert cantine["type"] == "service"
    assert cantine["id"] == catalogue["cantine"].pk
    assert cantine["url"] == f"/api/services/{catalogue['cantine'].pk}/"
    assert "Commune : Rosières." in cantine["snippet"]


def test_search_finds_a_page_whatever_the_accents_and_word_forms(client, home):
    add_page(home, "Menus de la semaine", "<p>Les repas préparés à la cuisine centrale.</p>")

    for query in ("repas prepares", "REPAS PRÉPARÉS", "semaines", "préparé", "centrales"):
        assert titles(search(client, query)) == ["Menus de la semaine"], query


def test_search_answers_with_the_configured_wagtail_backend_and_french_config(client, catalogue):
    backend = get_search_backend()

    assert resolve(URL).func.view_class is SearchView
    assert type(backend).__name__ == "PostgresSearchBackend"
    assert backend.config == "french_unaccent"
    # The index itself holds folded, stemmed lexemes: not Oscar's haystack, not another config.
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('french_unaccent', 'Rosières')::text")
        assert cursor.fetchone()[0] == "'rosier':1"


# --- Ranking ------------------------------------------------------------------------------------


def test_an_exact_title_is_ranked_first(client, catalogue, home):
    # A page that says "cantine de Rosières" again and again outscores the service on full
    # text alone; the service is titled exactly as asked, so it leads.
    add_page(
        home,
        "Cantine de Rosières : menus et inscriptions à la cantine de Rosières",
        "<p>" + "La cantine de Rosières, cantine scolaire de Rosières. " * 8 + "</p>",
    )

    body = search(client, "cantine de rosieres")

    assert titles(body)[0] == "Cantine de Rosières"
    assert body["results"][0]["type"] == "service"
    assert "Cantine de Rosières : menus et inscriptions à la cantine de Rosières" in titles(body)


def test_an_exact_page_title_leads_services_too(client, catalogue, home):
    add_page(home, "Garderie", "<p>Horaires et tarifs des garderies de l'agglomération.</p>")

    body = search(client, "garderie")

    assert titles(body) == ["Garderie", "Garderie périscolaire d'Aiguilhe"]


# --- Publishing ---------------------------------------------------------------------------------


def test_a_draft_page_is_absent_until_published_and_again_after_unpublish(client, home):
    page = add_page(home, "Piscine intercommunale", "<p>Horaires d'été.</p>", live=False)

    assert search(client, "piscine")["count"] == 0

    page.save_revision().publish()
    assert titles(search(client, "piscine")) == ["Piscine intercommunale"]

    page.refresh_from_db()
    page.unpublish()
    assert search(client, "piscine")["count"] == 0


def test_a_draft_change_to_a_live_page_is_not_searchable_before_it_is_published(client, home):
    page = add_page(home, "Accueil périscolaire", "<p>Ouvert le mercredi.</p>")
    page.intro = "<p>Ouvert le samedi.</p>"
    page.save_revision()  # a draft: the live page still says "mercredi"

    assert search(client, "samedi")["count"] == 0
    assert search(client, "mercredi")["count"] == 1


def test_a_page_restricted_to_logged_in_users_is_not_searchable(client, home):
    from wagtail.models import PageViewRestriction

    page = add_page(home, "Espace des agents", "<p>Consignes de la cantine.</p>")
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)

    assert search(client, "consignes")["count"] == 0


def test_only_pages_of_the_requested_site_are_searched(client, home):
    root = Page.get_first_root_node()
    other_home = add_page(root, "Dombes", "")
    Site.objects.create(hostname="dombes.localhost", port=80, root_page=other_home)
    add_page(other_home, "Cantine de Baneins", "<p>Repas du jour.</p>")
    add_page(home, "Cantine de Bains", "<p>Repas du jour.</p>")

    assert titles(search(client, "repas")) == ["Cantine de Bains"]
    response = client.get(URL, {"q": "repas"}, HTTP_HOST="dombes.localhost")
    assert titles(response.json()) == ["Cantine de Baneins"]


# --- Catalogue changes --------------------------------------------------------------------------


def test_renaming_a_service_finds_it_under_its_new_name(
    client, catalogue, django_capture_on_commit_callbacks
):
    cantine = catalogue["cantine"]
    cantine.title = "Restaurant scolaire de Rosières"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cantine.save()

    assert len(callbacks) == 1  # one task queued, run once the transaction commits
    assert titles(search(client, "restaurant scolaire")) == ["Restaurant scolaire de Rosières"]
    # Still found by its options ("Réservation cantine …"), under its new name only.
    assert titles(search(client, "cantine")) == ["Restaurant scolaire de Rosières"]


def test_a_change_is_not_indexed_before_its_transaction_commits(client, catalogue):
    cantine = catalogue["cantine"]
    cantine.title = "Restaurant scolaire de Rosières"
    cantine.save()  # no commit in this test: the queued task has not run

    assert SearchableService.objects.get(pk=cantine.pk).title == "Cantine de Rosières"
    assert titles(search(client, "cantine")) == ["Cantine de Rosières"]


def test_renaming_a_commune_reindexes_its_services(
    client, catalogue, django_capture_on_commit_callbacks
):
    rosieres = catalogue["rosieres"]
    rosieres.name = "Rosières-en-Velay"
    with django_capture_on_commit_callbacks(execute=True):
        rosieres.save()

    assert set(titles(search(client, "velay"))) == {
        "Cantine de Rosières",
        "Accueil de loisirs de Rosières",
    }


def test_a_service_no_commune_offers_any_more_leaves_the_results(
    client, catalogue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        StockRecord.objects.filter(product__parent=catalogue["garderie"]).get().delete()

    assert search(client, "garderie")["count"] == 0
    assert SearchableService.objects.get(pk=catalogue["garderie"].pk).is_public is False


def test_a_service_made_private_leaves_the_results_and_comes_back(
    client, catalogue, django_capture_on_commit_callbacks
):
    garderie = catalogue["garderie"]
    garderie.is_public = False
    with django_capture_on_commit_callbacks(execute=True):
        garderie.save()
    assert search(client, "garderie")["count"] == 0

    garderie.is_public = True
    with django_capture_on_commit_callbacks(execute=True):
        garderie.save()
    assert titles(search(client, "garderie")) == ["Garderie périscolaire d'Aiguilhe"]


def test_a_deleted_service_leaves_the_index(client, catalogue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        catalogue["garderie"].delete()

    assert search(client, "garderie")["count"] == 0
    assert not SearchableService.objects.filter(title__icontains="garderie").exists()


def test_a_new_tariff_option_is_searchable(client, catalogue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        option = Product.objects.create(
            title="Repas sans porc", structure=Product.CHILD, parent=catalogue["cantine"]
        )
        StockRecord.objects.create(
            product=option, partner=catalogue["rosieres"], partner_sku="rosieres-sans-porc"
        )

    assert titles(search(client, "porc")) == ["Cantine de Rosières"]


def test_the_index_services_command_indexes_a_catalogue_built_without_signals(client):
    from io import StringIO

    from django.core.management import call_command

    # Built outside any commit (no task ran), like a catalogue imported before search existed.
    make_service(PartnerFactory(name="Bains", code="bains"), "Cantine de Bains", {"Repas": "3"})
    assert search(client, "bains")["count"] == 0

    out = StringIO()
    call_command("index_services", stdout=out)

    assert titles(search(client, "bains")) == ["Cantine de Bains"]
    assert "1 service(s)" in out.getvalue()


# --- Autocomplete -------------------------------------------------------------------------------


def test_autocomplete_finds_rosieres_from_a_prefix_on_the_database_backend(client, catalogue):
    for prefix in ("ros", "Rosi", "rosiè", "rosie", "cantine de ros"):
        found = SearchableService.objects.filter(is_public=True).autocomplete(prefix)
        assert "Cantine de Rosières" in [service.title for service in found], prefix

    body = search(client, "ros", autocomplete="true")
    assert set(titles(body)) == {"Cantine de Rosières", "Accueil de loisirs de Rosières"}


def test_a_prefix_alone_is_not_a_full_text_match(client, catalogue):
    assert search(client, "ros")["count"] == 0


def test_autocomplete_completes_page_titles(client, home):
    add_page(home, "Inscriptions scolaires", "")

    assert titles(search(client, "inscr", autocomplete="true")) == ["Inscriptions scolaires"]


# --- The answer: URLs, snippets, pagination, errors ---------------------------------------------


def test_a_service_with_a_live_service_page_links_to_that_page(client, catalogue, home):
    from cms.models import ServicePage

    service_page = home.add_child(
        instance=ServicePage(title="La cantine", slug="la-cantine", product=catalogue["cantine"])
    )

    cantine = next(r for r in search(client, "rosieres")["results"] if r["type"] == "service")
    assert cantine["title"] == "Cantine de Rosières"
    assert cantine["url"] == "/la-cantine/"

    service_page.unpublish()
    cantine = next(r for r in search(client, "rosieres")["results"] if r["type"] == "service")
    assert cantine["url"] == f"/api/services/{catalogue['cantine'].pk}/"


def test_a_service_and_its_own_page_make_one_result(client, catalogue, home):
    from cms.models import ServicePage

    home.add_child(
        instance=ServicePage(
            title="Cantine de Rosières",
            slug="cantine-de-rosieres",
            product=catalogue["cantine"],
            presentation="<p>La cantine de Rosières accueille les élèves de l'école.</p>",
        )
    )

    results = search(client, "cantine rosieres")["results"]

    assert [(r["type"], r["title"], r["url"]) for r in results] == [
        ("service", "Cantine de Rosières", "/cantine-de-rosieres/")
    ]


def test_a_service_presented_only_on_another_site_is_left_out(client, catalogue, home):
    from cms.models import ServicePage

    other_home = add_page(Page.get_first_root_node(), "Dombes", "")
    Site.objects.create(hostname="dombes.localhost", port=80, root_page=other_home)
    other_home.add_child(
        instance=ServicePage(title="Garderie", slug="garderie", product=catalogue["garderie"])
    )

    assert search(client, "garderie")["count"] == 0
    response = client.get(URL, {"q": "garderie"}, HTTP_HOST="dombes.localhost")
    assert [(r["type"], r["url"]) for r in response.json()["results"]] == [
        ("service", "/garderie/")
    ]


def test_a_page_result_has_its_url_and_a_plain_text_snippet_around_the_match(client, home):
    text = (
        "<p>"
        + "Le service accueille les enfants de la petite section au CM2. " * 4
        + "Les <b>repas</b> sont préparés sur place par l'équipe de Rosières. "
        + "Inscriptions en mairie. " * 6
        + "</p>"
    )
    page = add_page(home, "Restauration scolaire", text)

    result = search(client, "preparation")["results"][0]

    assert result == {
        "type": "page",
        "id": page.pk,
        "title": "Restauration scolaire",
        "url": "/restauration-scolaire/",
        "snippet": result["snippet"],
    }
    assert "repas sont préparés sur place" in result["snippet"]
    assert "<" not in result["snippet"]
    assert result["snippet"].startswith("…") and result["snippet"].endswith("…")
    assert len(result["snippet"]) <= 162


def test_results_are_paginated_with_count_next_and_previous(client, home):
    for n in range(25):
        add_page(home, f"Actualité {n:02}", "<p>Fermeture exceptionnelle de la cantine.</p>")

    first = search(client, "fermeture")
    second = search(client, "fermeture", page=2)

    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["previous"] is None
    assert "page=2" in first["next"] and "q=fermeture" in first["next"]
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert set(titles(first)).isdisjoint(titles(second))


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}])
def test_an_empty_query_is_refused_in_french(client, params):
    response = client.get(URL, params)

    assert response.status_code == 400
    assert response.json() == {"q": ["Saisissez un ou plusieurs mots à rechercher."]}


def test_punctuation_alone_finds_nothing_and_does_not_fail(client, catalogue):
    for query in ("!!!", "'", "&|:*", "l'"):
        assert search(client, query)["count"] == 0, query


def test_a_search_page_costs_the_same_queries_for_3_or_20_results(client, catalogue, home):
    def queries_for(count, word):
        for n in range(count):
            add_page(home, f"{word} {n}", f"<p>{word} de la semaine.</p>")
        with CaptureQueriesContext(connection) as context:
            body = search(client, word)
        assert len(body["results"]) == count
        return len(context)

    # Each test starts with an empty cache: the first page URL computed fills Wagtail's cached
    # site root paths, which is not what a page of results costs.
    Site.get_site_root_paths()
    assert queries_for(3, "Programme") == queries_for(20, "Calendrier")
