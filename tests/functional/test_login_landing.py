"""After logging in, a family that can book (an access accepted) lands on the month calendar;
one that cannot yet lands on its space's home, which says what to do first; a page asked for
still comes first."""

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, ParentFactory
from tests.planning_factories import make_canteen, make_family

pytestmark = pytest.mark.django_db

LOGIN = reverse("portail:login")


def test_a_family_with_an_accepted_access_lands_on_the_calendar(client):
    _service, children, _ = make_canteen()
    family = make_family(children, children=1)

    response = client.post(LOGIN, {"email": family.parent.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("portail:planning")


def test_a_family_without_an_accepted_access_lands_on_its_space(client):
    parent = ParentFactory()

    response = client.post(LOGIN, {"email": parent.email, "password": DEFAULT_PASSWORD})

    assert response["Location"] == reverse("portail:space")


def test_the_page_asked_for_comes_before_the_calendar(client):
    _service, children, _ = make_canteen()
    family = make_family(children, children=1)

    response = client.post(
        LOGIN,
        {"email": family.parent.email, "password": DEFAULT_PASSWORD, "next": "/espace/panier/"},
    )

    assert response["Location"] == "/espace/panier/"
