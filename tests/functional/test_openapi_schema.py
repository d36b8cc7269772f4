"""The OpenAPI schema documents every public endpoint, with no drf-spectacular warning or error,
and its Swagger UI is served from our own static files."""

import re

import pytest
from django.core.management import CommandError, call_command
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_generates_without_warnings_or_errors_and_validates(tmp_path, capsys):
    schema_file = tmp_path / "schema.yml"
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    except CommandError as exc:
        # drf-spectacular prints each warning and error on stderr: show them.
        pytest.fail(f"{exc}\n{capsys.readouterr().err}")
    assert schema_file.read_text().startswith("openapi: 3")


@pytest.mark.parametrize(
    "path",
    [
        "/api/basket/",
        "/api/checkout/",
        "/api/login/",
        "/api/cms/v2/pages/",
        "/api/cms/v2/pages/{id}/",
        "/api/cms/v2/images/",
        "/api/cms/v2/images/{id}/",
        "/api/cms/v2/documents/",
        "/api/cms/v2/documents/{id}/",
    ],
)
def test_schema_documents_the_public_endpoint(schema, path):
    assert path in schema["paths"]


def test_wagtail_listing_documents_its_shape_and_query_parameters(schema):
    operation = schema["paths"]["/api/cms/v2/pages/"]["get"]

    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"type", "fields", "limit", "offset", "order", "search", "child_of"} <= parameters
    assert {"descendant_of", "site"} <= parameters
    listing = schema["components"]["schemas"]["WagtailPageListing"]
    assert set(listing["required"]) == {"meta", "items"}


def test_wagtail_detail_documents_id_meta_and_title(schema):
    operation = schema["paths"]["/api/cms/v2/pages/{id}/"]["get"]

    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    detail = schema["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    assert {"id", "meta", "title"} <= set(detail["required"])


def test_wagtail_admin_api_is_left_out_of_the_schema(schema):
    assert not [path for path in schema["paths"] if path.startswith("/cms/")]


def test_schema_endpoint_answers(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert b"/api/cms/v2/pages/" in response.content


def test_swagger_ui_is_served_from_local_assets_not_a_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert re.findall(r"https?://[^\s\"'<>]+", html) == []
