"""Agents see only their communes: the wallet screens open a family only when it has access to a
service of the agent's communes, and show only those communes' pots and movements (the general
pot's balance, but not what it paid at another commune); the accounts to validate are parents'
accounts, never staff."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from reservations.models import AccessStatus, ServiceAccess
from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    OfficerFactory,
    ParentFactory,
    PartnerFactory,
    PendingParentFactory,
    UserFactory,
)
from tests.shop_data import make_service
from wallet import ledger
from wallet.models import AccountKind, LedgerAccount, Transfer, TransferKind

pytestmark = pytest.mark.django_db

WALLETS = "/dashboard/porte-monnaie/"
ACCOUNTS = "/dashboard/familles/comptes/"


def detail(family):
    return f"{WALLETS}{family.pk}/"


def credit_url(family):
    return f"{WALLETS}{family.pk}/crediter/"


def adjust(pot):
    return f"{WALLETS}pots/{pot.pk}/ajuster/"


def listed(response):
    return {row.record for row in response.context["families"].page.object_list}


def adjustment(**changes):
    data = {
        "amount": "10",
        "direction": "credit",
        "reason": "Avoir",
        "token": "5b0a2c1e-6f4b-4a8e-9d3c-2e1f0a9b8c7d",
    }
    data.update(changes)
    return data


@pytest.fixture
def baneins():
    return PartnerFactory(name="Baneins")


@pytest.fixture
def saint_marcel():
    return PartnerFactory(name="Saint-Marcel-en-Dombes")


@pytest.fixture
def baneins_canteen(baneins):
    return make_service(baneins, "Cantine de Baneins", {"Repas Baneins": "3.20"})


@pytest.fixture
def marcel_canteen(saint_marcel):
    return make_service(saint_marcel, "Cantine de Saint-Marcel", {"Repas Saint-Marcel": "3.50"})


def with_access(family, service, commune, status=AccessStatus.ACCEPTED):
    _, (option,) = service
    reason = "Hors secteur" if status == AccessStatus.REFUSED else ""
    ServiceAccess.objects.create(
        account=family, tariff_option=option, commune=commune, status=status, refusal_reason=reason
    )
    return family


@pytest.fixture
def family_a(baneins_canteen, baneins):
    return with_access(ParentFactory(last_name="Arnaud"), baneins_canteen, baneins)


@pytest.fixture
def family_b(marcel_canteen, saint_marcel):
    family = with_access(ParentFactory(last_name="Bernard"), marcel_canteen, saint_marcel)
    ledger.credit_top_up(family, Decimal("8.00"), reference="t", idempotency_key="t:b")
    return family


@pytest.fixture
def family_both(baneins_canteen, baneins, marcel_canteen, saint_marcel):
    """Access to both canteens: 20 € topped up, 3.50 € of it paid for a meal at Saint-Marcel,
    2 € refunded to the Baneins pot and 1 € to the Saint-Marcel one."""
    family = ParentFactory(last_name="Chevalier")
    with_access(family, baneins_canteen, baneins)
    with_access(family, marcel_canteen, saint_marcel)
    ledger.credit_top_up(family, Decimal("20.00"), reference="t", idempotency_key="t:both")
    ledger.pay_from_wallet(
        family,
        [ledger.Charge(marcel_canteen[0].pk, saint_marcel.pk, Decimal("3.50"))],
        reference="commande-marcel",
        idempotency_key="pay:both",
    )
    for (service, _), commune, amount in (
        (baneins_canteen, baneins, "2.00"),
        (marcel_canteen, saint_marcel, "1.00"),
    ):
        ledger.refund_to_service_pot(
            family,
            service_id=service.pk,
            commune_id=commune.pk,
            amount=Decimal(amount),
            reason=f"Annulation à {commune.name}",
            reference=f"booking-{service.pk}",
            idempotency_key=f"refund:both:{service.pk}",
        )
    return family


@pytest.fixture
def agent_a(baneins):
    return AgentFactory(communes=[baneins])


@pytest.fixture
def agent_b(saint_marcel):
    return AgentFactory(communes=[saint_marcel])


@pytest.fixture
def client_a(client, agent_a):
    client.force_login(agent_a)
    return client


def pot_of(family, service):
    return LedgerAccount.objects.get(owner=family, service=service[0])


# --- Which families ----------------------------------------------------------------------------


def test_each_agent_lists_only_the_families_with_access_to_their_communes(
    client, agent_a, agent_b, family_a, family_b, family_both
):
    client.force_login(agent_a)
    assert listed(client.get(WALLETS)) == {family_a, family_both}

    client.force_login(agent_b)
    assert listed(client.get(WALLETS)) == {family_b, family_both}


def test_searching_never_finds_a_family_of_another_commune(client_a, family_a, family_b):
    assert listed(client_a.get(WALLETS, {"q": "bernard"})) == set()
    assert listed(client_a.get(WALLETS, {"q": family_b.email})) == set()
    assert listed(client_a.get(WALLETS, {"q": "arnaud"})) == {family_a}


def test_a_request_refused_or_at_another_commune_does_not_make_a_family_visible(
    client_a, baneins_canteen, baneins, marcel_canteen, saint_marcel
):
    refused = with_access(ParentFactory(), baneins_canteen, baneins, AccessStatus.REFUSED)
    elsewhere = with_access(ParentFactory(), marcel_canteen, saint_marcel)

    assert listed(client_a.get(WALLETS)) == set()
    assert client_a.get(detail(refused)).status_code == 404
    assert client_a.get(detail(elsewhere)).status_code == 404


def test_a_family_of_another_commune_is_a_404_by_url_and_cannot_be_credited(
    client_a, family_b, baneins_canteen
):
    assert client_a.get(detail(family_b)).status_code == 404

    response = client_a.post(
        credit_url(family_b), {**adjustment(), "service": baneins_canteen[0].pk}
    )

    assert response.status_code == 404
    assert not LedgerAccount.objects.filter(owner=family_b, service=baneins_canteen[0]).exists()
    assert not Transfer.objects.filter(kind=TransferKind.ADJUSTMENT).exists()


def test_an_administrator_sees_every_family(client, family_a, family_b, family_both):
    client.force_login(AdministratorFactory())

    assert listed(client.get(WALLETS)) >= {family_a, family_b, family_both}
    assert client.get(detail(family_b)).status_code == 200


# --- Which pots and movements --------------------------------------------------------------------


def test_a_shared_family_shows_the_agent_their_pot_and_the_general_balance_only(
    client_a, family_both
):
    pots = client_a.get(detail(family_both)).context["pots"]

    assert {(pot.kind, pot.service_id and pot.service.title) for pot, _ in pots} == {
        (AccountKind.SERVICE_POT, "Cantine de Baneins"),
        (AccountKind.GENERAL_POT, None),
    }
    general = next(pot for pot, _ in pots if pot.kind == AccountKind.GENERAL_POT)
    assert general.balance == Decimal("16.50")


def test_the_general_pot_history_hides_what_it_paid_at_another_commune(
    client, agent_a, agent_b, family_both
):
    client.force_login(agent_a)
    response = client.get(detail(family_both))
    seen_by_a = {(m.transfer.kind, m.amount) for m in response.context["movements"]}
    page = response.content.decode()

    assert seen_by_a == {
        (TransferKind.TOP_UP, Decimal("20.00")),
        (TransferKind.REFUND, Decimal("2.00")),
    }
    assert "commande-marcel" not in page
    assert "Annulation à Saint-Marcel" not in page

    client.force_login(agent_b)
    seen_by_b = {
        (m.transfer.kind, m.amount) for m in client.get(detail(family_both)).context["movements"]
    }
    assert seen_by_b == {
        (TransferKind.TOP_UP, Decimal("20.00")),
        (TransferKind.PURCHASE, Decimal("-3.50")),
        (TransferKind.REFUND, Decimal("1.00")),
    }


def test_the_list_shows_a_shared_familys_pots_of_the_agents_communes_only(client_a, family_both):
    page = client_a.get(WALLETS).content.decode()

    assert "Cantine de Baneins" in page
    assert "Cantine de Saint-Marcel" not in page


# --- Adjusting -----------------------------------------------------------------------------------


def test_an_agent_cannot_adjust_a_pot_of_another_communes_service(
    client_a, family_both, marcel_canteen
):
    pot = pot_of(family_both, marcel_canteen)

    assert client_a.get(adjust(pot)).status_code == 404
    assert client_a.post(adjust(pot), adjustment()).status_code == 404

    pot.refresh_from_db()
    assert pot.balance == Decimal("1.00")
    assert not Transfer.objects.filter(kind=TransferKind.ADJUSTMENT).exists()


def test_an_agent_credits_their_own_communes_pot_of_a_shared_family(
    client_a, family_both, baneins_canteen
):
    pot = pot_of(family_both, baneins_canteen)

    response = client_a.post(adjust(pot), adjustment(amount="5"))

    assert response.status_code == 302
    pot.refresh_from_db()
    assert pot.balance == Decimal("7.00")


def test_an_agent_cannot_credit_another_communes_service_for_a_shared_family(
    client_a, family_both, marcel_canteen
):
    response = client_a.post(
        credit_url(family_both), {**adjustment(), "service": marcel_canteen[0].pk}
    )

    assert response.status_code == 200
    assert response.context["credit_form"].errors["service"]
    assert pot_of(family_both, marcel_canteen).balance == Decimal("1.00")


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
