"""The Wagtail API v2 (/api/cms/v2/) refuses unreadable query parameters with a 400 and a French
message, never a server error (cases found by tests/functional/test_api_fuzz.py)."""

import pytest
from django.test import Client
from wagtail.models import Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # A server error is answered as a browser would see it, not raised into the test.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("pages/find/?id=null", id="pages-find-id-null"),
        pytest.param("pages/find/?id=abc", id="pages-find-id-abc"),
        pytest.param("pages/find/?id=1.5", id="pages-find-id-decimal"),
        pytest.param("pages/find/?id=-1", id="pages-find-id-negative"),
        pytest.param("pages/find/?id=99999999999999999999", id="pages-find-id-beyond-bigint"),
        pytest.param("images/find/?id=null", id="images-find-id-null"),
        pytest.param("documents/find/?id=1.5", id="documents-find-id-decimal"),
    ],
)
def test_finding_an_item_by_an_id_that_is_not_a_number_is_a_bad_request(client, query):
    response = client.get(f"/api/cms/v2/{query}")

    assert response.status_code == 400
    assert response.json() == {"message": "« id » doit être un nombre entier positif."}


@pytest.mark.parametrize(
    "query",
    [
        "pages/?search=%00",
        "pages/?locale=%00",
        "pages/?site=%00",
        "pages/?title=%00",
        "pages/find/?html_path=/%00/",
        "pages/{root}/?site=%00",
        "images/?search=%00",
        "documents/?search=%00",
        "preview/{root}/?fields=%00",
    ],
)
def test_a_nul_character_in_a_query_parameter_is_a_bad_request(client, query):
    root = Page.get_first_root_node()

    response = client.get("/api/cms/v2/" + query.format(root=root.pk))

    assert response.status_code == 400
    name = query.split("?")[1].split("=")[0]
    assert response.json() == {
        "message": f"Le paramètre « {name} » contient un caractère nul : retirez-le."
    }


def test_an_offset_beyond_what_the_database_counts_is_a_bad_request(client):
    response = client.get("/api/cms/v2/pages/?offset=99999999999999999999999")

    assert response.status_code == 400
    assert response.json() == {"message": "« offset » est trop grand."}


def test_an_unknown_search_operator_is_a_bad_request(client):
    response = client.get("/api/cms/v2/pages/?search=cantine&search_operator=xor")

    assert response.status_code == 400
    assert response.json() == {"message": "« search_operator » vaut « and » ou « or »."}


@pytest.mark.parametrize(
    "query",
    [
        "pages/?child_of=x",
        "pages/?descendant_of=x",
        "pages/?ancestor_of=x",
        "pages/?type=x.y",
        "pages/?id=abc",
        "pages/?limit=-1",
        "pages/?offset=abc",
        "pages/?offset=²",
    ],
)
def test_parameters_wagtail_checks_itself_stay_bad_requests(client, query):
    response = client.get(f"/api/cms/v2/{query}")

    assert response.status_code == 400


def test_finding_a_page_by_id_still_redirects_to_it(client):
    root = Page.get_first_root_node()
    child = root.get_children().first()

    response = client.get(f"/api/cms/v2/pages/find/?id={child.pk}")

    assert response.status_code == 302
    assert response["Location"].endswith(f"/api/cms/v2/pages/{child.pk}/?")
