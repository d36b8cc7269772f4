"""What agents download is safe to open: the headcount CSV never runs what a family typed as a
spreadsheet formula, and a supporting document leaves with a name and a type chosen by the
server from its content, never from the uploader's file name."""

import csv
import io

import pytest

from reservations.exports import neutralise_formula
from tests.access_factories import PDF_BYTES, ask, make_option, pdf_upload, use_private_root
from tests.booking_factories import MEAL_DAY, make_booking, make_canteen
from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.functional.test_bookings_api import book_and_pay
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


def test_the_orders_csv_cannot_run_a_customer_address_as_a_formula(client, rosieres, canteen):
    parent = ParentFactory(email="=1+1@example.org")
    child = BeneficiaryFactory(account=parent, first_name="Léa")
    book_and_pay(client, parent, canteen[1], [(child, MEAL_DAY)])
    client.force_login(AgentFactory(communes=[rosieres]))

    response = client.get("/dashboard/orders/", {"response_format": "csv"})

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    (order,) = rows[1:]
    assert "'=1+1@example.org" in order
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in order)


# --- Supporting documents --------------------------------------------------------------------


@pytest.fixture
def private_root(settings, monkeypatch, tmp_path):
    root = tmp_path / "private"
    use_private_root(settings, monkeypatch, root)
    return root


def download(client, document):
    """One download per test: closing a streamed response ends the request, and the test
    client then closes the database connection."""
    response = client.get(
        f"/api/access-requests/{document.access_id}/documents/{document.pk}/",
        HTTP_ACCEPT="text/html",
    )
    content = b"".join(response.streaming_content)
    response.close()
    return response, content


def test_a_pdf_uploaded_as_evil_html_is_downloaded_as_a_pdf_named_by_the_server(
    client, private_root, rosieres
):
    parent = ParentFactory()
    access = ask(
        parent,
        make_option(rosieres),
        documents={"proof_of_address": pdf_upload("evil.html"), "family_quotient": pdf_upload()},
    )
    address = access.documents.get(kind="proof_of_address")
    client.force_login(parent)

    response, content = download(client, address)

    assert response.status_code == 200
    assert content == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="justificatif-domicile-{address.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_family_quotient_is_named_after_its_kind_not_the_uploaders_name(
    client, private_root, rosieres
):
    parent = ParentFactory()
    access = ask(
        parent,
        make_option(rosieres),
        documents={
            "proof_of_address": pdf_upload(),
            "family_quotient": pdf_upload('"><script>alert(1)</script>.pdf'),
        },
    )
    quotient = access.documents.get(kind="family_quotient")
    client.force_login(parent)

    response, _ = download(client, quotient)

    assert response["Content-Disposition"] == (
        f'attachment; filename="quotient-familial-{quotient.pk}.pdf"'
    )


def test_an_agent_downloads_the_document_under_the_same_server_chosen_name(
    client, private_root, rosieres
):
    access = ask(
        ParentFactory(),
        make_option(rosieres),
        documents={
            "proof_of_address": pdf_upload("Facture EDF mars.html"),
            "family_quotient": pdf_upload(),
        },
    )
    document = access.documents.get(kind="proof_of_address")
    client.force_login(AgentFactory(communes=[rosieres]))

    response, _ = download(client, document)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="justificatif-domicile-{document.pk}.pdf"'
    )


def test_a_stored_file_that_no_longer_reads_as_a_document_is_sent_as_opaque_bytes(
    client, private_root, rosieres
):
    parent = ParentFactory()
    access = ask(parent, make_option(rosieres))
    document = access.documents.get(kind="proof_of_address")
    # The file changed on disk after the upload check (a restored backup, a tampered volume).
    with document.file.open("wb") as handle:
        handle.write(b"<html><script>alert(1)</script></html>")
    client.force_login(parent)

    response, _ = download(client, document)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == (
        f'attachment; filename="justificatif-domicile-{document.pk}.bin"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
