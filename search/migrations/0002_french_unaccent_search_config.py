"""The PostgreSQL text search configuration "french_unaccent": French stemming after removing
accents, so that "rosieres" and "Rosières" give the same lexeme. Wagtail's database backend
uses it through WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"]. Nothing to do elsewhere:
only PostgreSQL reads that setting."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = pg_catalog.french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$
""",
]

# The unaccent extension stays: other code may use it.
DROP = "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent"


def create_config(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_config(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("portal_search", "0001_initial")]

    operations = [migrations.RunPython(create_config, drop_config, elidable=False)]
