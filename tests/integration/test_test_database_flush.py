"""The test database's flush (tests/postgresql/base.py), which ends every transactional test:
rows deleted, not tables truncated, and foreign keys still checked when it commits."""

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from accounts.models import User
from reservations.models import Beneficiary
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_flush_deletes_rows_instead_of_truncating_tables():
    tables = connection.introspection.django_table_names(only_existing=True)

    statements = connection.ops.sql_flush(no_style(), tables)

    assert not any("TRUNCATE" in statement for statement in statements)
    assert sum(statement.startswith("DELETE FROM") for statement in statements) == len(tables)


def test_a_flush_empties_tables_whose_rows_reference_each_other_and_commits():
    BeneficiaryFactory()  # a child row pointing at its parent's account

    # As TransactionTestCase calls it: the command alone would restart the sequences.
    call_command(
        "flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True
    )

    assert not Beneficiary.objects.exists()
    assert not User.objects.exists()


def test_a_flush_asked_to_restart_the_id_sequences_still_truncates():
    statements = connection.ops.sql_flush(no_style(), [User._meta.db_table], reset_sequences=True)

    assert statements[0].startswith("TRUNCATE") and "RESTART IDENTITY" in statements[0]
