"""What agents download is safe to open: the headcount CSV never runs what a family typed as a
spreadsheet formula."""

import csv
import io

import pytest

from reservations.exports import neutralise_formula
from tests.booking_factories import MEAL_DAY, make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.reservations_factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

EXPORT = "/dashboard/familles/effectifs/export.csv"


# --- The shared cell helper (no database) ----------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","Cliquez")',
            '\'=HYPERLINK("http://evil.example","Cliquez")',
        ),
        ("@SUM(1)", "'@SUM(1)"),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Léa", "Léa"),
        ("Jean-Pierre", "Jean-Pierre"),
        ("", ""),
        (None, ""),
    ],
)
@pytest.mark.django_db(False)
def test_a_cell_a_spreadsheet_would_read_as_a_formula_is_prefixed_with_a_quote(cell, written):
    assert neutralise_formula(cell) == written


# --- The headcount CSV -----------------------------------------------------------------------


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières")


@pytest.fixture
def canteen(rosieres):
    return make_canteen(rosieres)


@pytest.fixture
def agent_client(client, rosieres):
    client.force_login(AgentFactory(communes=[rosieres]))
    return client


def book_child(canteen, *, last_name, first_name, parent_first_name="Claire", **fields):
    service, meal, _ = canteen
    parent = ParentFactory(first_name=parent_first_name, last_name="Martin")
    beneficiary = BeneficiaryFactory(
        account=parent, last_name=last_name, first_name=first_name, **fields
    )
    return make_booking(beneficiary, service=service, tariff_option=meal)


def export_rows(client, canteen):
    response = client.get(EXPORT, {"service": canteen[0].pk, "date": MEAL_DAY.isoformat()})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_a_child_named_as_a_formula_is_exported_as_text(agent_client, canteen):
    book_child(canteen, last_name='=HYPERLINK("http://evil.example","Menu")', first_name="@SUM(1)")

    rows = export_rows(agent_client, canteen)

    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","Menu")'
    assert rows[1][2] == "'@SUM(1)"


def test_a_pai_note_and_a_family_name_cannot_become_formulas_either(agent_client, canteen):
    book_child(
        canteen,
        last_name="Abel",
        first_name="Adam",
        parent_first_name="+cmd|' /C calc'!A0",
        has_pai=True,
        pai_details="-2+3",
    )

    row = export_rows(agent_client, canteen)[1]

    assert row[4] == "'-2+3"
    assert row[5] == "'+cmd|' /C calc'!A0 Martin"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_ordinary_names_are_exported_unchanged(agent_client, canteen):
    book_child(canteen, last_name="Étienne", first_name="Jean-Pierre")

    row = export_rows(agent_client, canteen)[1]

    assert row[1:3] == ["Étienne", "Jean-Pierre"]
