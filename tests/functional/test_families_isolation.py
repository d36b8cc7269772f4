"""Isolation matrix: another family's objects are a 404 for a parent and for an agent of another
commune, and every endpoint refuses anonymous visitors. Nothing is changed by a refused call."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from reservations.beneficiaries import set_photo
from reservations.models import AccessStatus, Beneficiary, ServiceAccess
from tests.access_factories import ask, make_option, pdf_upload
from tests.factories import AgentFactory, ParentFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def family(settings, tmp_path):
    """A family of Rosières with a child (with a photo) and a pending access request."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    rosieres = PartnerFactory(name="Rosières")
    owner = ParentFactory()
    access = ask(owner, make_option(rosieres))
    child = access.beneficiaries.get()
    set_photo(child, png())
    return {
        "owner": owner,
        "rosieres": rosieres,
        "child": child,
        "access": access,
        "document": access.documents.first(),
    }


def api_calls(f):
    """(method, path, body, multipart) for every parent endpoint on the family's objects."""
    child, access, document = f["child"], f["access"], f["document"]
    return [
        ("get", f"/api/beneficiaries/{child.pk}/", None, False),
        ("patch", f"/api/beneficiaries/{child.pk}/", {"first_name": "Pirate"}, False),
        ("delete", f"/api/beneficiaries/{child.pk}/", None, False),
        ("get", f"/api/beneficiaries/{child.pk}/photo/", None, False),
        ("put", f"/api/beneficiaries/{child.pk}/photo/", {"photo": png()}, True),
        ("get", f"/api/access-requests/{access.pk}/", None, False),
        (
            "post",
            f"/api/access-requests/{access.pk}/documents/",
            {"kind": "proof_of_address", "file": pdf_upload()},
            True,
        ),
        ("get", f"/api/access-requests/{access.pk}/documents/{document.pk}/", None, False),
    ]


def call(client, method, path, body, multipart):
    if body is None:
        return getattr(client, method)(path)
    if multipart:
        # The test client encodes multipart bodies only for POST; PUT gets the same encoding.
        return client.generic(
            method.upper(), path, encode_multipart(BOUNDARY, body), MULTIPART_CONTENT
        )
    return getattr(client, method)(path, body, content_type="application/json")


def snapshot(f):
    child = Beneficiary.objects.get(pk=f["child"].pk)
    access = ServiceAccess.objects.get(pk=f["access"].pk)
    return (
        child.first_name,
        child.photo.name,
        child.archived_at,
        access.status,
        access.documents.count(),
    )


@pytest.mark.parametrize("index", range(8))
def test_another_parent_gets_404_and_changes_nothing(client, family, index):
    before = snapshot(family)
    client.force_login(ParentFactory())

    response = call(client, *api_calls(family)[index])

    assert response.status_code == 404
    assert snapshot(family) == before


@pytest.mark.parametrize("index", range(8))
def test_an_agent_of_another_commune_gets_404_and_changes_nothing(client, family, index):
    before = snapshot(family)
    client.force_login(AgentFactory(communes=[PartnerFactory(name="Bains")]))

    response = call(client, *api_calls(family)[index])

    assert response.status_code == 404
    assert snapshot(family) == before


@pytest.mark.parametrize("index", range(8))
def test_an_anonymous_visitor_is_refused_and_changes_nothing(client, family, index):
    before = snapshot(family)

    response = call(client, *api_calls(family)[index])

    assert response.status_code in (401, 403)
    assert snapshot(family) == before


def test_the_owner_reaches_every_endpoint(client, family):
    client.force_login(family["owner"])
    reads = [c for c in api_calls(family) if c[0] == "get"]

    assert [call(client, *c).status_code for c in reads] == [200] * len(reads)


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("post", "accepter/", {"tariff_bracket": "QF 1"}),
        ("post", "refuser/", {"reason": "Hors secteur"}),
        ("post", "piece/", {"kind": "proof_of_address", "message": "Illisible"}),
    ],
)
def test_an_agent_of_another_commune_cannot_see_or_decide_the_request_in_the_dashboard(
    client, family, method, suffix, data
):
    client.force_login(AgentFactory(communes=[PartnerFactory(name="Bains")]))
    path = f"/dashboard/familles/demandes/{family['access'].pk}/{suffix}"

    response = getattr(client, method)(path, data) if data else client.get(path)

    assert response.status_code == 404
    assert ServiceAccess.objects.get(pk=family["access"].pk).status == AccessStatus.PENDING


def test_the_agent_of_the_commune_reads_the_document_and_the_photo(client, family):
    client.force_login(AgentFactory(communes=[family["rosieres"]]))
    access, document, child = family["access"], family["document"], family["child"]

    document_response = client.get(f"/api/access-requests/{access.pk}/documents/{document.pk}/")
    photo_response = client.get(f"/api/beneficiaries/{child.pk}/photo/")

    assert (document_response.status_code, photo_response.status_code) == (200, 200)
