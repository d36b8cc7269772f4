"""An account awaiting validation edits its profile but cannot book or pay."""

import pytest
import time_machine
from django.core import mail
from oscar.core.loading import get_model

from accounts.exceptions import NotAllowedToValidate
from accounts.permissions import IsValidatedAccount
from accounts.services import validate_account
from tests.factories import AgentFactory, ParentFactory, PendingParentFactory
from tests.planning_factories import NOW, make_canteen, make_family

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")


@pytest.fixture
def pending_parent():
    return PendingParentFactory(first_name="Claire")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def canteen():
    """(service, children's tariff option), the child of `pending_parent` accepted to it."""
    service, children, _ = make_canteen()
    return service, children


@pytest.fixture
def family(pending_parent, canteen):
    return make_family(canteen[1], children=1, parent=pending_parent)


def add_to_basket(client, service, family):
    return client.post(
        "/api/reservations/basket/",
        {
            "service": service.pk,
            "beneficiaries": [child.pk for child in family.children],
            "dates": ["2026-12-01"],
        },
        content_type="application/json",
    )


def test_account_awaiting_validation_can_read_and_edit_its_profile(client, pending_parent):
    client.force_login(pending_parent)

    response = client.patch(
        "/api/accounts/me/",
        {"first_name": "Claire-Marie", "newsletter": True},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["is_validated"] is False
    pending_parent.refresh_from_db()
    assert (pending_parent.first_name, pending_parent.newsletter) == ("Claire-Marie", True)


def test_account_awaiting_validation_gets_a_clear_403_when_booking(
    client, clock, pending_parent, canteen, family
):
    client.force_login(pending_parent)

    response = add_to_basket(client, canteen[0], family)

    assert response.status_code == 403
    assert "en attente de validation" in response.json()["detail"]
    assert not Basket.objects.filter(owner=pending_parent, lines__isnull=False).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/reservations/basket/"),
        ("post", "/api/checkout/"),
    ],
)
def test_account_awaiting_validation_is_refused_by_every_booking_and_payment_endpoint(
    client, pending_parent, method, path
):
    client.force_login(pending_parent)

    response = getattr(client, method)(path, {}, content_type="application/json")

    assert response.status_code == 403
    assert "en attente de validation" in response.json()["detail"]


def test_after_validation_by_an_agent_booking_passes_and_the_parent_is_emailed(
    client, clock, pending_parent, canteen, family, django_capture_on_commit_callbacks
):
    service, children = canteen
    agent = AgentFactory(communes=[children.stockrecords.get().partner])
    with django_capture_on_commit_callbacks(execute=True):
        validate_account(pending_parent, validated_by=agent)
    client.force_login(pending_parent)

    response = add_to_basket(client, service, family)

    assert response.status_code == 201, response.content
    assert Basket.objects.get(owner=pending_parent).num_lines == 1
    assert [message.to for message in mail.outbox] == [[pending_parent.email]]
    assert "validé" in mail.outbox[0].subject


def test_a_parent_cannot_validate_accounts(pending_parent):
    with pytest.raises(NotAllowedToValidate) as refused:
        validate_account(pending_parent, validated_by=ParentFactory())
    assert "droit" in str(refused.value)
    pending_parent.refresh_from_db()
    assert not pending_parent.is_validated


def test_the_permission_class_reads_the_validation_of_the_account(rf, pending_parent):
    request = rf.get("/")
    request.user = pending_parent
    assert IsValidatedAccount().has_permission(request, view=None) is False
    pending_parent.validated_at = pending_parent.date_joined
    assert IsValidatedAccount().has_permission(request, view=None) is True
