"""Agents see only their communes: the accounts to validate are parents' accounts, never
staff."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    OfficerFactory,
    PartnerFactory,
    PendingParentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ACCOUNTS = "/dashboard/familles/comptes/"


@pytest.fixture
def baneins():
    return PartnerFactory(name="Baneins")


@pytest.fixture
def client_a(client, baneins):
    client.force_login(AgentFactory(communes=[baneins]))
    return client


# --- Accounts to validate ------------------------------------------------------------------------


@pytest.fixture
def pending_staff(baneins):
    """Accounts not validated yet that are not parents' ones."""
    unassigned_agent = AgentFactory(validated_at=None)
    commune_agent = AgentFactory(validated_at=None, communes=[baneins])
    officer = OfficerFactory(validated_at=None)
    staff = UserFactory(is_staff=True)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    with_permission = UserFactory()
    with_permission.user_permissions.add(
        Permission.objects.get(codename="validate_account", content_type__app_label="accounts")
    )
    return [unassigned_agent, commune_agent, officer, staff, superuser, with_permission]


def queue(response):
    return {row.record for row in response.context["accounts"].page.object_list}


def test_the_accounts_to_validate_list_parents_only_never_staff(client_a, pending_staff):
    parent = PendingParentFactory()

    assert queue(client_a.get(ACCOUNTS)) == {parent}


def test_an_administrator_sees_no_staff_account_to_validate_either(client, pending_staff):
    parent = PendingParentFactory()
    client.force_login(AdministratorFactory())

    assert queue(client.get(ACCOUNTS)) == {parent}


def test_a_staff_account_cannot_be_validated_from_the_queue(client_a, pending_staff):
    for account in pending_staff:
        response = client_a.post(f"{ACCOUNTS}{account.pk}/valider/")

        assert response.status_code == 404
        account.refresh_from_db()
        assert account.validated_at is None


def test_a_parent_in_the_parents_group_is_still_listed(client_a):
    parent = PendingParentFactory()
    no_group = UserFactory(validated_at=None, terms_accepted_at=timezone.now())

    assert queue(client_a.get(ACCOUNTS)) == {parent, no_group}
