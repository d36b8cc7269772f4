"""French analysis for the Elasticsearch 9 / OpenSearch indexes, passed to Wagtail's backend as
INDEX_SETTINGS by config/settings/base.py (merged into the backend's own settings).

Imported by the settings: nothing here may import Django models or Wagtail."""

from copy import deepcopy

# French articles elided before a word: "l'accueil" is indexed as "accueil".
FRENCH_ELISIONS = "l m t qu n s j d c jusqu quoiqu lorsqu puisqu".split()

FRENCH_FILTERS = {
    "french_elision": {"type": "elision", "articles_case": True, "articles": FRENCH_ELISIONS},
    "french_stop": {"type": "stop", "stopwords": "_french_"},
    "french_stemmer": {"type": "stemmer", "language": "light_french"},
    # Wagtail's own "edgengram" filter (1 to 15 characters) builds the autocomplete prefixes.
}

# Stop words are removed before folding: the French list spells them with their accents.
# Folding comes before stemming so that "rosieres" and "Rosières" stem alike.
FRENCH_FOLDED_ANALYZER = {
    "type": "custom",
    "tokenizer": "standard",
    "filter": ["french_elision", "lowercase", "french_stop", "asciifolding", "french_stemmer"],
}

# Replaces Wagtail's "edgengram_analyzer", which its mapping puts on every AutocompleteField
# and on the `_edgengrams` catch-all: the same prefixes, folded, after French elision.
AUTOCOMPLETE_ANALYZER = {
    "type": "custom",
    "tokenizer": "standard",
    "filter": ["french_elision", "lowercase", "asciifolding", "edgengram"],
}


def index_settings() -> dict:
    """The index settings override: `default` (every text field without an analyzer of its own,
    at index and search time) is French, folded and stemmed; autocomplete prefixes are folded."""
    analysis = {
        "filter": FRENCH_FILTERS,
        "analyzer": {
            "default": FRENCH_FOLDED_ANALYZER,
            "edgengram_analyzer": AUTOCOMPLETE_ANALYZER,
        },
    }
    # A copy: the backend merges it into its settings in place.
    return {"settings": {"analysis": deepcopy(analysis)}}
