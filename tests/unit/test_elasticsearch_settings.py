"""The Elasticsearch 9 configuration, tested up to the client boundary: no Elasticsearch server
runs on the build machines, so these tests check the settings, the index settings, the mapping
and the requests handed to the client, never a live cluster."""

import importlib.util
from unittest import mock

import pytest
from wagtail.search.backends import get_search_backend
from wagtail.search.backends.elasticsearch9 import (
    Elasticsearch9Mapping,
    Elasticsearch9SearchBackend,
)

from search.elasticsearch import index_settings
from search.models import SearchableService

ELASTICSEARCH_URL = "https://search.internal:9200"
INDEX_NAME = "portail_portal_search_searchableservice"


@pytest.fixture
def settings_with_elasticsearch(monkeypatch):
    """config/settings/base.py evaluated afresh with ELASTICSEARCH_URL set."""
    monkeypatch.setenv("ELASTICSEARCH_URL", ELASTICSEARCH_URL)
    monkeypatch.delenv("ELASTICSEARCH_INDEX_PREFIX", raising=False)
    return evaluate_base_settings()


def evaluate_base_settings() -> dict:
    """A fresh run of config/settings/base.py, beside (not instead of) the loaded settings."""
    spec = importlib.util.find_spec("config.settings.base")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


@pytest.fixture
def backend(settings, settings_with_elasticsearch):
    """Wagtail's backend built from those settings. Building the client opens no connection."""
    settings.WAGTAILSEARCH_BACKENDS = settings_with_elasticsearch["WAGTAILSEARCH_BACKENDS"]
    return get_search_backend()


@pytest.fixture
def service():
    """An unsaved row: mapping it needs no database."""
    return SearchableService(
        product_id=7,
        title="Cantine de Rosières",
        commune_name="Rosières",
        option_titles="Réservation cantine pour adultes, Réservation cantine pour enfants",
        description="Repas préparés sur place.",
        is_public=True,
    )


# --- Index settings ---------------------------------------------------------------------------


def test_the_default_analyzer_is_french_folded_and_stemmed():
    analysis = index_settings()["settings"]["analysis"]

    default = analysis["analyzer"]["default"]
    assert default["tokenizer"] == "standard"
    assert default["filter"] == [
        "french_elision",
        "lowercase",
        "french_stop",
        "asciifolding",
        "french_stemmer",
    ]
    assert analysis["filter"]["french_stemmer"] == {"type": "stemmer", "language": "light_french"}
    assert analysis["filter"]["french_stop"] == {"type": "stop", "stopwords": "_french_"}
    assert analysis["filter"]["french_elision"]["type"] == "elision"
    assert {"l", "d", "qu"} <= set(analysis["filter"]["french_elision"]["articles"])


def test_the_autocomplete_analyzer_folds_accents_and_builds_edge_ngrams():
    autocomplete = index_settings()["settings"]["analysis"]["analyzer"]["edgengram_analyzer"]

    assert autocomplete["filter"] == ["french_elision", "lowercase", "asciifolding", "edgengram"]


def test_each_call_returns_a_fresh_copy():
    first = index_settings()
    first["settings"]["analysis"]["analyzer"]["default"]["filter"].append("oops")

    assert "oops" not in index_settings()["settings"]["analysis"]["analyzer"]["default"]["filter"]


# --- Settings and backend -----------------------------------------------------------------------


def test_settings_choose_elasticsearch9_with_the_french_index_settings(
    settings_with_elasticsearch,
):
    config = settings_with_elasticsearch["WAGTAILSEARCH_BACKENDS"]["default"]

    assert config["BACKEND"] == "wagtail.search.backends.elasticsearch9"
    assert config["URLS"] == [ELASTICSEARCH_URL]
    assert config["INDEX_PREFIX"] == "portail_"
    assert config["INDEX_SETTINGS"] == index_settings()


def test_without_elasticsearch_the_database_backend_uses_the_unaccented_config(monkeypatch):
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    base = evaluate_base_settings()

    assert base["WAGTAILSEARCH_BACKENDS"] == {
        "default": {
            "BACKEND": "wagtail.search.backends.database",
            "SEARCH_CONFIG": "french_unaccent",
        }
    }


def test_the_backend_merges_the_french_analysis_into_wagtails_own(backend):
    assert isinstance(backend, Elasticsearch9SearchBackend)
    analysis = backend.settings["settings"]["analysis"]
    assert analysis["analyzer"]["default"]["filter"][-1] == "french_stemmer"
    assert "asciifolding" in analysis["analyzer"]["edgengram_analyzer"]["filter"]
    # Wagtail's own pieces are kept: its n-gram analyzer and the edge n-gram filter ours uses.
    assert "ngram_analyzer" in analysis["analyzer"]
    assert analysis["filter"]["edgengram"] == {"type": "edge_ngram", "min_gram": 1, "max_gram": 15}
    assert backend.index_prefix == "portail_"
    assert backend.hosts == [
        {"host": "search.internal", "port": 9200, "path_prefix": "", "scheme": "https"}
    ]


def test_the_mapping_of_searchable_service(backend):
    assert issubclass(backend.mapping_class, Elasticsearch9Mapping)

    properties = backend.mapping_class(SearchableService).get_mapping()["properties"]

    # The title is searched with a boost, and, like the commune, completed as typed.
    assert properties["title"] == {"type": "text", "copy_to": ["_all_text", "_all_text_boost_2_0"]}
    assert properties["_all_text_boost_2_0"] == {"type": "text"}
    for name in ("commune_name", "option_titles", "description"):
        assert properties[name] == {"type": "text", "copy_to": "_all_text"}, name
    autocomplete = {"type": "text", "analyzer": "edgengram_analyzer", "search_analyzer": "standard"}
    for name in ("title_edgengrams", "commune_name_edgengrams", "folded_names_edgengrams"):
        assert properties[name] == autocomplete, name
    assert properties["is_public_filter"] == {"type": "boolean"}
    assert properties["_edgengrams"] == autocomplete


def test_the_document_of_a_service(backend, service):
    mapping = backend.mapping_class(SearchableService)

    document = mapping.get_document(service)

    assert mapping.get_document_id(service) == "7"
    assert document["pk"] == "7"
    assert document["_django_content_type"] == ["portal_search.SearchableService"]
    assert document["title"] == "Cantine de Rosières"
    assert document["commune_name"] == "Rosières"
    assert document["is_public_filter"] is True
    assert document["_edgengrams"] == [
        "Cantine de Rosières",
        "Rosières",
        "cantine de rosieres rosieres",
    ]


def test_creating_the_index_sends_the_french_settings_and_the_mapping_to_the_client(backend):
    # The client is the boundary: record what it is asked, answer nothing.
    backend.es = mock.Mock(name="Elasticsearch client")
    index = backend.get_index_for_model(SearchableService)

    index.put()
    index.add_model(SearchableService)

    assert index.name == INDEX_NAME
    backend.es.indices.create.assert_called_once_with(
        index=INDEX_NAME, settings=backend.settings["settings"]
    )
    create_settings = backend.es.indices.create.call_args.kwargs["settings"]
    assert (
        create_settings["analysis"]["analyzer"]["default"]
        == (index_settings()["settings"]["analysis"]["analyzer"]["default"])
    )
    mapping = backend.es.indices.put_mapping.call_args.kwargs
    assert mapping["index"] == INDEX_NAME
    assert mapping["properties"]["title_edgengrams"]["analyzer"] == "edgengram_analyzer"


def test_indexing_a_service_sends_its_document_to_the_client(backend, service):
    backend.es = mock.Mock(name="Elasticsearch client")

    backend.get_index_for_model(SearchableService).add_item(service)

    backend.es.index.assert_called_once()
    call = backend.es.index.call_args.kwargs
    assert (call["index"], call["id"]) == (INDEX_NAME, "7")
    assert call["document"]["title"] == "Cantine de Rosières"
