"""An account awaiting validation edits its profile but cannot book or pay."""

import pytest
from django.core import mail
from oscar.core.loading import get_model

from accounts.exceptions import NotAllowedToValidate
from accounts.permissions import IsValidatedAccount
from accounts.services import validate_account
from tests.factories import AgentFactory, ParentFactory, PartnerFactory, PendingParentFactory
from tests.shop_data import make_service

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")


@pytest.fixture
def pending_parent():
    return PendingParentFactory(first_name="Claire")


@pytest.fixture
def tariff_option():
    commune = PartnerFactory(name="Rosières")
    _, options = make_service(commune, "Cantine de Rosières", {"Repas enfant": "3.30"})
    return options[0]


def add_to_basket(client, product):
    return client.post(
        "/api/basket/add-product/",
        {"url": f"http://testserver/api/products/{product.pk}/", "quantity": 1},
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
    client, pending_parent, tariff_option
):
    client.force_login(pending_parent)

    response = add_to_basket(client, tariff_option)

    assert response.status_code == 403
    assert "en attente de validation" in response.json()["detail"]
    assert not Basket.objects.filter(owner=pending_parent, lines__isnull=False).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/basket/add-product/"),
        ("post", "/api/basket/add-voucher/"),
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
    client, pending_parent, tariff_option, django_capture_on_commit_callbacks
):
    agent = AgentFactory(communes=[tariff_option.stockrecords.get().partner])
    with django_capture_on_commit_callbacks(execute=True):
        validate_account(pending_parent, validated_by=agent)
    client.force_login(pending_parent)

    response = add_to_basket(client, tariff_option)

    assert response.status_code == 200, response.content
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
