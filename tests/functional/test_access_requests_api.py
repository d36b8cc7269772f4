"""/api/access-requests/ ("Mes services"): asking access with documents (multipart), following
the request, sending a new document, and downloading the private documents."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from reservations.access import accept_access, refuse_access, request_new_document
from reservations.models import AccessDocument, ServiceAccess
from tests.access_factories import (
    PDF_BYTES,
    AccessBeneficiaryFactory,
    ask,
    executable_upload,
    make_option,
    oversized_pdf_upload,
    pdf_upload,
    png_upload,
    stored_files,
    use_private_root,
)
from tests.factories import AgentFactory, ParentFactory, PartnerFactory, PendingParentFactory

pytestmark = pytest.mark.django_db

URL = "/api/access-requests/"


@pytest.fixture(autouse=True)
def private_root(settings, monkeypatch, tmp_path):
    root = tmp_path / "private"
    use_private_root(settings, monkeypatch, root)
    return root


@pytest.fixture
def rosieres():
    return PartnerFactory(name="Rosières", code="rosieres")


@pytest.fixture
def option(rosieres):
    return make_option(rosieres)


@pytest.fixture
def parent():
    return ParentFactory(first_name="Claire", last_name="Martin")


@pytest.fixture
def children(parent):
    return [
        AccessBeneficiaryFactory(account=parent, first_name="Léa", last_name="Martin"),
        AccessBeneficiaryFactory(account=parent, first_name="Hugo", last_name="Martin"),
    ]


@pytest.fixture
def agent(rosieres):
    return AgentFactory(communes=[rosieres], first_name="Agent", last_name="Rosières")


@pytest.fixture
def parent_client(client, parent):
    client.force_login(parent)
    return client


def form(option, people, **changes):
    """The "Mes services" form for `option` and the beneficiaries `people`, with `changes`
    (None leaves a field out)."""
    data = {
        "tariff_option": option.pk,
        "beneficiaries": [beneficiary.pk for beneficiary in people],
        "proof_of_address": pdf_upload("domicile.pdf"),
        "family_quotient": png_upload("avis.png"),
        "reference_tax_income": "24 000",
        "tax_shares": "2,5",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def download_url(access, document):
    return f"{URL}{access.pk}/documents/{document.pk}/"


def content_of(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


# --- Asking ----------------------------------------------------------------------------------


def test_a_parent_asks_access_with_documents_and_tax_figures(
    parent_client, parent, option, children, private_root
):
    response = parent_client.post(URL, form(option, children))

    assert response.status_code == 201, response.json()
    body = response.json()
    access = ServiceAccess.objects.get(account=parent)
    assert body["id"] == access.pk
    assert body["label"] == "Rosières / Réservation cantine pour enfants"
    assert body["service"] == {"id": option.parent_id, "title": "Cantine de Rosières"}
    assert body["commune"]["name"] == "Rosières"
    assert body["tariff_option"] == {"id": option.pk, "title": "Réservation cantine pour enfants"}
    assert (body["status"], body["status_label"]) == ("pending", "En attente")
    assert sorted(b["first_name"] for b in body["beneficiaries"]) == ["Hugo", "Léa"]
    assert body["reference_tax_income"] == "24000.00"
    assert body["tax_shares"] == "2.50"
    assert body["family_quotient"] == "800.00"
    assert (body["tariff_bracket"], body["refusal_reason"]) == ("", "")
    documents = {document["kind"]: document for document in body["documents"]}
    assert set(documents) == {"proof_of_address", "family_quotient"}
    assert documents["family_quotient"]["content_type"] == "image/png"
    assert documents["proof_of_address"]["original_name"] == "domicile.pdf"
    assert documents["proof_of_address"]["kind_label"] == "Justificatif de domicile"
    address = access.documents.get(kind="proof_of_address")
    assert documents["proof_of_address"]["download_url"] == (
        f"http://testserver{download_url(access, address)}"
    )
    assert [(e["status"], e["actor"]) for e in body["events"]] == [("pending", "Claire Martin")]
    assert len(stored_files(private_root)) == 2


@pytest.mark.parametrize(("income", "shares"), [("24000.00", "2.5"), ("24\u202f000,00", "2,50")])
def test_decimals_are_read_with_a_point_or_a_french_comma(
    parent_client, option, children, income, shares
):
    response = parent_client.post(
        URL, form(option, children, reference_tax_income=income, tax_shares=shares)
    )

    assert response.status_code == 201, response.json()
    assert response.json()["family_quotient"] == "800.00"


def test_an_account_awaiting_validation_may_ask(client, option):
    pending = PendingParentFactory()
    client.force_login(pending)

    response = client.post(URL, form(option, [AccessBeneficiaryFactory(account=pending)]))

    assert response.status_code == 201


def test_an_option_asking_for_nothing_needs_no_file(parent_client, rosieres, children):
    option = make_option(rosieres, option="Usager", documents=[], tax_figures=False)

    response = parent_client.post(
        URL,
        form(
            option,
            children[:1],
            proof_of_address=None,
            family_quotient=None,
            reference_tax_income="",
            tax_shares="",
        ),
    )

    assert response.status_code == 201, response.json()
    assert response.json()["family_quotient"] is None
    assert response.json()["documents"] == []


BAD_FORMS = {
    "document missing": ({"family_quotient": None}, "family_quotient"),
    "renamed executable": ({"proof_of_address": executable_upload}, "proof_of_address"),
    "renamed ELF": ({"family_quotient": lambda: executable_upload("linux")}, "family_quotient"),
    "pdf over 10 MB": ({"proof_of_address": oversized_pdf_upload}, "proof_of_address"),
    "empty file": ({"proof_of_address": lambda: pdf_upload(size=0)}, "proof_of_address"),
    "shares not a number": ({"tax_shares": "deux"}, "tax_shares"),
    "shares not in quarters": ({"tax_shares": "1,3"}, "tax_shares"),
    "zero shares": ({"tax_shares": "0"}, "tax_shares"),
    "negative income": ({"reference_tax_income": "-1"}, "reference_tax_income"),
    "income not a number": ({"reference_tax_income": "beaucoup"}, "reference_tax_income"),
    "tax figures missing": (
        {"reference_tax_income": "", "tax_shares": ""},
        "reference_tax_income",
    ),
    "shares without income": ({"reference_tax_income": ""}, "tax_shares"),
    "unknown option": ({"tariff_option": 999999}, "tariff_option"),
    "no beneficiary": ({"beneficiaries": []}, "beneficiaries"),
    "unknown beneficiary": ({"beneficiaries": [999999]}, "beneficiaries"),
}


@pytest.mark.parametrize("case", BAD_FORMS)
def test_a_bad_form_is_answered_400_on_its_field_and_stores_nothing(
    parent_client, option, children, private_root, case
):
    changes, field = BAD_FORMS[case]
    changes = {key: value() if callable(value) else value for key, value in changes.items()}

    response = parent_client.post(URL, form(option, children, **changes))

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert all(isinstance(message, str) for message in response.json()[field])
    assert ServiceAccess.objects.count() == 0
    assert AccessDocument.objects.count() == 0
    assert stored_files(private_root) == []


def test_another_familys_beneficiary_is_refused(parent_client, option, children):
    someone_elses = AccessBeneficiaryFactory()

    response = parent_client.post(URL, form(option, [children[0], someone_elses]))

    assert response.status_code == 400
    assert "beneficiaries" in response.json()
    assert ServiceAccess.objects.count() == 0


def test_a_service_is_not_a_tariff_option(parent_client, option, children):
    response = parent_client.post(URL, form(option.parent, children))

    assert response.status_code == 400
    assert "tariff_option" in response.json()


def test_asking_twice_for_the_same_option_is_refused(parent_client, option, children):
    assert parent_client.post(URL, form(option, children)).status_code == 201

    response = parent_client.post(URL, form(option, children))

    assert response.status_code == 400
    assert "tariff_option" in response.json()
    assert ServiceAccess.objects.count() == 1
    assert AccessDocument.objects.count() == 2


def test_a_json_body_is_refused(parent_client, option, children):
    response = parent_client.post(
        URL,
        {"tariff_option": option.pk, "beneficiaries": [children[0].pk]},
        content_type="application/json",
    )

    assert response.status_code == 415


def test_an_anonymous_visitor_may_not_ask(client, option, children):
    response = client.post(URL, form(option, children))

    assert response.status_code == 403
    assert ServiceAccess.objects.count() == 0


# --- Reading ---------------------------------------------------------------------------------


def test_a_parent_lists_only_their_requests_newest_first(parent_client, parent, rosieres):
    cantine = make_option(rosieres)
    loisirs = make_option(rosieres, service="Accueil de loisirs", option="Résident commune")
    first, second = ask(parent, cantine), ask(parent, loisirs)
    ask(ParentFactory(), cantine)

    response = parent_client.get(URL)

    assert response.status_code == 200
    assert [access["id"] for access in response.json()] == [second.pk, first.pk]


def test_the_history_shows_each_decision_and_who_made_it(
    parent_client, parent, option, agent, rosieres
):
    access = ask(parent, option)
    request_new_document(access, kind="family_quotient", message="Avis 2025.", by=agent)
    nameless_agent = AgentFactory(communes=[rosieres], first_name="", last_name="")
    refuse_access(access, reason="Hors secteur.", by=nameless_agent)

    body = parent_client.get(f"{URL}{access.pk}/").json()

    assert (body["status"], body["status_label"]) == ("refused", "Refusée")
    assert body["refusal_reason"] == "Hors secteur."
    assert [(event["status"], event["actor"]) for event in body["events"]] == [
        ("pending", "Claire Martin"),
        ("document_requested", "Agent Rosières"),
        # An agent without a name is shown as their commune, never by their address.
        ("refused", "Rosières"),
    ]
    assert "Avis 2025." in body["events"][1]["message"]
    assert nameless_agent.email not in str(body)


def test_an_accepted_request_shows_its_tariff_bracket(parent_client, parent, option, agent):
    access = ask(parent, option)
    accept_access(access, tariff_bracket="inf 399", by=agent)

    body = parent_client.get(f"{URL}{access.pk}/").json()

    assert (body["status"], body["tariff_bracket"]) == ("accepted", "inf 399")
    assert body["decided_at"] is not None


def test_another_parents_request_is_not_found(client, parent, option):
    access = ask(parent, option)
    client.force_login(ParentFactory())

    assert client.get(f"{URL}{access.pk}/").status_code == 404
    assert client.get(URL).json() == []


def test_agents_see_no_request_through_the_parent_api(client, parent, option, agent):
    access = ask(parent, option)
    client.force_login(agent)

    assert client.get(URL).json() == []
    assert client.get(f"{URL}{access.pk}/").status_code == 404


def test_an_anonymous_visitor_reads_nothing(client, parent, option):
    access = ask(parent, option)

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{access.pk}/").status_code == 403


def build_requests(parent, count):
    commune = PartnerFactory(name="Bains")
    for n in range(count):
        option = make_option(commune, service=f"Service {n}", option=f"Option {n}")
        beneficiaries = AccessBeneficiaryFactory.create_batch(2, account=parent)
        ask(parent, option, beneficiaries=beneficiaries)


@pytest.mark.parametrize("count", [2, 25])
def test_the_list_costs_a_fixed_number_of_queries(
    parent_client, parent, django_assert_max_num_queries, count
):
    build_requests(parent, count)

    # Session and user; the requests, then one query each for their beneficiaries, events,
    # the events' actors and documents; the sliding session's save (in a savepoint).
    with django_assert_max_num_queries(10):
        response = parent_client.get(URL)

    assert len(response.json()) == count
    assert all(len(access["documents"]) == 2 for access in response.json())


# --- Sending a new document ------------------------------------------------------------------


def test_a_parent_replaces_a_document_while_the_request_is_examined(
    parent_client, parent, option, private_root
):
    access = ask(parent, option)
    old = access.documents.get(kind="proof_of_address")

    response = parent_client.post(
        f"{URL}{access.pk}/documents/",
        {"kind": "proof_of_address", "file": pdf_upload("nouveau.pdf")},
    )

    assert response.status_code == 201, response.json()
    documents = response.json()["documents"]
    assert sorted(d["original_name"] for d in documents) == ["avis.png", "nouveau.pdf"]
    assert old.pk not in [d["id"] for d in documents]
    assert response.json()["status"] == "pending"
    assert len(stored_files(private_root)) == 3


def test_sending_the_requested_document_puts_the_request_back_to_pending(
    parent_client, parent, option, agent
):
    access = ask(parent, option)
    request_new_document(access, kind="family_quotient", message="", by=agent)

    response = parent_client.post(
        f"{URL}{access.pk}/documents/", {"kind": "family_quotient", "file": pdf_upload()}
    )

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert [e["status"] for e in response.json()["events"]] == [
        "pending",
        "document_requested",
        "pending",
    ]


def test_a_decided_request_takes_no_new_document(
    parent_client, parent, option, agent, private_root
):
    access = ask(parent, option)
    accept_access(access, tariff_bracket="A", by=agent)
    files_before = stored_files(private_root)

    response = parent_client.post(
        f"{URL}{access.pk}/documents/", {"kind": "proof_of_address", "file": pdf_upload()}
    )

    assert response.status_code == 400
    assert "file" in response.json()
    assert AccessDocument.objects.filter(access=access).count() == 2
    assert stored_files(private_root) == files_before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "passport", "file": pdf_upload}, "kind"),
        ({"kind": "proof_of_address"}, "file"),
        ({"kind": "proof_of_address", "file": executable_upload}, "file"),
        ({"kind": "proof_of_address", "file": oversized_pdf_upload}, "file"),
    ],
)
def test_a_bad_document_is_answered_400(parent_client, parent, option, private_root, data, field):
    access = ask(parent, option)
    data = {key: value() if callable(value) else value for key, value in data.items()}

    response = parent_client.post(f"{URL}{access.pk}/documents/", data)

    assert response.status_code == 400
    assert field in response.json()
    assert AccessDocument.objects.filter(access=access).count() == 2
    assert len(stored_files(private_root)) == 2


def test_nobody_else_sends_a_document_to_a_request(client, parent, option, agent):
    access = ask(parent, option)
    url = f"{URL}{access.pk}/documents/"

    assert client.post(url, {"kind": "other", "file": pdf_upload()}).status_code == 403
    for someone in (ParentFactory(), agent):
        client.force_login(someone)
        assert client.post(url, {"kind": "other", "file": pdf_upload()}).status_code == 404
    assert AccessDocument.objects.filter(access=access).count() == 2


# --- Downloading -----------------------------------------------------------------------------


def test_the_owner_downloads_a_document_as_a_private_attachment(parent_client, parent, option):
    access = ask(parent, option)
    document = access.documents.get(kind="proof_of_address")

    response = parent_client.get(download_url(access, document))

    assert response.status_code == 200
    assert content_of(response) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    # Named by the server after the kind of document, never after the uploaded file's name.
    assert response["Content-Disposition"] == (
        f'attachment; filename="justificatif-domicile-{document.pk}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_stored_content_type_is_served_whatever_the_name_says(parent_client, parent, option):
    access = ask(
        parent,
        option,
        documents={"proof_of_address": pdf_upload(), "family_quotient": png_upload("scan.pdf")},
    )
    document = access.documents.get(kind="family_quotient")

    response = parent_client.get(download_url(access, document), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    content_of(response)


def test_a_non_ascii_upload_name_is_not_sent_back(parent_client, parent, option):
    access = ask(
        parent,
        option,
        documents={
            "proof_of_address": pdf_upload("Facture électricité.pdf"),
            "family_quotient": pdf_upload(),
        },
    )
    document = access.documents.get(kind="proof_of_address")

    response = parent_client.get(download_url(access, document))

    assert response["Content-Disposition"] == (
        f'attachment; filename="justificatif-domicile-{document.pk}.pdf"'
    )
    content_of(response)


def test_a_replaced_document_stays_readable_by_its_owner(parent_client, parent, option):
    access = ask(parent, option)
    old = access.documents.get(kind="proof_of_address")
    parent_client.post(
        f"{URL}{access.pk}/documents/", {"kind": "proof_of_address", "file": pdf_upload()}
    )

    response = parent_client.get(download_url(access, old))

    assert response.status_code == 200
    content_of(response)


def test_an_agent_of_the_commune_downloads_the_document(client, parent, option, agent):
    access = ask(parent, option)
    document = access.documents.get(kind="family_quotient")
    client.force_login(agent)

    response = client.get(download_url(access, document))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    content_of(response)


def test_nobody_else_downloads_the_document(client, parent, option):
    access = ask(parent, option)
    document = access.documents.get(kind="proof_of_address")
    url = download_url(access, document)

    assert client.get(url).status_code == 403
    elsewhere = AgentFactory(communes=[PartnerFactory(name="Aiguilhe")])
    for someone in (ParentFactory(), elsewhere):
        client.force_login(someone)
        assert client.get(url).status_code == 404, someone


def test_a_document_is_found_only_under_its_own_request(parent_client, parent, rosieres):
    first = ask(parent, make_option(rosieres))
    second = ask(parent, make_option(rosieres, service="Accueil", option="Résident"))
    document = first.documents.first()

    assert parent_client.get(download_url(second, document)).status_code == 404
    assert parent_client.get(f"{URL}{first.pk}/documents/999999/").status_code == 404


def test_a_file_missing_from_the_storage_is_not_found(parent_client, parent, option):
    access = ask(parent, option)
    document = access.documents.first()
    document.file.storage.delete(document.file.name)

    assert parent_client.get(download_url(access, document)).status_code == 404


# --- OpenAPI ---------------------------------------------------------------------------------


def test_the_schema_documents_the_multipart_forms_with_binary_files():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths, components = schema["paths"], schema["components"]["schemas"]

    create = paths["/api/access-requests/"]["post"]["requestBody"]["content"]
    upload = paths["/api/access-requests/{id}/documents/"]["post"]["requestBody"]["content"]
    assert list(create) == list(upload) == ["multipart/form-data"]
    form_fields = components["AccessRequestCreateRequest"]["properties"]
    for kind in ("proof_of_address", "family_quotient", "other"):
        assert form_fields[kind] == {**form_fields[kind], "type": "string", "format": "binary"}
    assert components["DocumentUploadRequest"]["properties"]["file"]["format"] == "binary"
    download = paths["/api/access-requests/{id}/documents/{document_id}/"]["get"]["responses"]
    assert set(download["200"]["content"]) == {"application/pdf", "image/jpeg", "image/png"}
    assert {"/api/services/", "/api/services/{id}/", "/api/access-requests/{id}/"} <= set(paths)
