"""Pages and JSON leave gzipped for a browser that accepts it; file downloads still arrive whole;
every deployment's settings keep the compression."""

import gzip
import json

import pytest
import time_machine
from django.urls import reverse

from tests.access_factories import ask, make_option, pdf_upload, png_upload, use_private_root
from tests.factories import ParentFactory
from tests.integration.test_settings_from_environment import PRODUCTION_ENV, run_django
from tests.planning_factories import NOW, make_canteen, make_family

pytestmark = pytest.mark.django_db

GZIP = "django.middleware.gzip.GZipMiddleware"
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"


@pytest.fixture
def calendar_url(client):
    service, children, _adults = make_canteen()
    family = make_family(children, children=3)
    client.force_login(family.parent)
    query = "&".join(f"enfant={child.pk}" for child in family.children)
    return f"{reverse('portail:planning')}?service={service.pk}&mois=2026-12&{query}"


def test_the_calendar_is_sent_gzipped_and_smaller(client, calendar_url):
    with time_machine.travel(NOW, tick=False):
        plain = client.get(calendar_url)
        compressed = client.get(calendar_url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert plain.status_code == compressed.status_code == 200
    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert int(compressed["Content-Length"]) == len(compressed.content)
    assert len(compressed.content) < len(plain.content) / 4
    unpacked = gzip.decompress(compressed.content).decode()
    assert "Cantine de Rosières — Décembre 2026" in unpacked
    # The same page, but for the CSRF token that Django masks anew in every answer.
    assert len(unpacked) == len(plain.content.decode())


def test_json_answers_are_gzipped(client):
    for number in range(5):
        make_option(service=f"Cantine {number}")

    response = client.get("/api/services/", HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))


def test_a_private_document_streams_whole_through_the_compression(
    client, settings, monkeypatch, tmp_path
):
    use_private_root(settings, monkeypatch, tmp_path / "private")
    parent = ParentFactory()
    proof = pdf_upload("domicile.pdf", size=20_000)
    sent = proof.read()
    proof.seek(0)
    documents = {"proof_of_address": proof, "family_quotient": png_upload()}
    access = ask(parent, make_option(), documents=documents)
    document = access.documents.get(kind="proof_of_address")
    client.force_login(parent)

    response = client.get(
        f"/api/access-requests/{access.pk}/documents/{document.pk}/", HTTP_ACCEPT_ENCODING="gzip"
    )

    try:
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        # No stale length announced for the compressed stream.
        assert "Content-Length" not in response
        assert gzip.decompress(b"".join(response.streaming_content)) == sent
    finally:
        response.close()


@pytest.mark.parametrize(
    ("module", "environment"),
    [("config.settings.dev", {}), ("config.settings.production", PRODUCTION_ENV)],
)
def test_every_deployment_compresses_just_below_whitenoise(module, environment):
    shown = run_django(
        module,
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.MIDDLEWARE))",
        **environment,
    )
    assert shown.returncode == 0, shown.stderr
    middleware = json.loads(shown.stdout.strip().splitlines()[-1])

    # Whitenoise answers static files (compressed at collectstatic) before reaching it; every
    # middleware below sees the body before it is compressed.
    assert middleware.index(GZIP) == middleware.index(WHITENOISE) + 1
