"""/api/wallet/ and /api/wallet/movements/: the parent's pots as the seed guide shows them
("Garderie de Baneins : 20 crédits / Cantine de Saint-Marcel-en-Dombes : 15 crédits / 5 euros
pour tous les services"), and their history with who moved the money."""

from decimal import Decimal

import pytest

from accounts.roles import ActorRole
from tests.factories import AgentFactory, ParentFactory, PartnerFactory, PendingParentFactory
from tests.shop_data import make_service
from wallet import ledger
from wallet.models import AccountKind, LedgerAccount

pytestmark = pytest.mark.django_db

WALLET = "/api/wallet/"
MOVEMENTS = "/api/wallet/movements/"
NBSP = "\u00a0"


@pytest.fixture
def saint_marcel():
    return PartnerFactory(name="Saint-Marcel-en-Dombes")


@pytest.fixture
def baneins():
    return PartnerFactory(name="Baneins")


@pytest.fixture
def canteen(saint_marcel):
    return make_service(saint_marcel, "Cantine de Saint-Marcel-en-Dombes", {"Repas": "3.50"})[0]


@pytest.fixture
def daycare(baneins):
    return make_service(baneins, "Garderie de Baneins", {"Heure": "1.50"})[0]


@pytest.fixture
def parent():
    return ParentFactory(first_name="Claire", last_name="Martin")


@pytest.fixture
def parent_client(client, parent):
    client.force_login(parent)
    return client


def top_up(owner, amount, key):
    return ledger.credit_top_up(
        owner, Decimal(amount), reference=f"top-up-{key}", idempotency_key=f"top-up:{key}"
    )


def refund(owner, service, commune, amount, key, **kwargs):
    return ledger.refund_to_service_pot(
        owner,
        service_id=service.pk,
        commune_id=commune.pk,
        amount=Decimal(amount),
        reason="Annulation du repas du 12/01",
        reference=f"booking-{key}",
        idempotency_key=f"refund:{key}",
        **kwargs,
    )


def spend(owner, charges, key, **kwargs):
    return ledger.pay_from_wallet(
        owner,
        [
            ledger.Charge(service.pk, commune.pk, Decimal(amount))
            for service, commune, amount in charges
        ],
        reference=f"ORDER-{key}",
        idempotency_key=f"order:{key}",
        **kwargs,
    )


@pytest.fixture
def seed_wallet(parent, canteen, daycare, saint_marcel, baneins):
    """The seed's wallet: 15 € for the canteen of Saint-Marcel, 20 € for the daycare of Baneins,
    5 € for every service."""
    top_up(parent, "5.00", "seed")
    refund(parent, canteen, saint_marcel, "15.00", "seed-canteen")
    refund(parent, daycare, baneins, "20.00", "seed-daycare")
    return parent


# --- /api/wallet/ ---------------------------------------------------------------------------


def test_the_statement_shows_the_seed_example_with_a_40_euro_total(
    parent_client, seed_wallet, canteen, saint_marcel
):
    response = parent_client.get(WALLET)

    assert response.status_code == 200
    data = response.json()
    assert data["total"] == "40.00"
    assert data["total_display"] == f"40,00{NBSP}€"
    assert [(pot["name"], pot["balance"]) for pot in data["pots"]] == [
        ("Cantine de Saint-Marcel-en-Dombes", "15.00"),
        ("Garderie de Baneins", "20.00"),
        ("Tous services", "5.00"),
    ]
    canteen_pot = data["pots"][0]
    assert canteen_pot["display"] == f"Cantine de Saint-Marcel-en-Dombes : 15,00{NBSP}€"
    assert canteen_pot["kind"] == AccountKind.SERVICE_POT
    assert canteen_pot["service"] == canteen.pk
    assert canteen_pot["commune"] == {"id": saint_marcel.pk, "name": "Saint-Marcel-en-Dombes"}
    general = data["pots"][-1]
    assert general["kind"] == AccountKind.GENERAL_POT
    assert general["commune"] is None
    assert general["service"] is None
    assert general["display"] == f"Tous services : 5,00{NBSP}€"


def test_the_display_follows_the_language_asked(parent_client, seed_wallet):
    response = parent_client.get(WALLET, HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["total_display"] == "€40.00"


def test_a_pot_opened_but_never_used_is_left_out_and_an_emptied_pot_stays(
    parent_client, parent, canteen, daycare, saint_marcel, baneins
):
    top_up(parent, "10.00", "1")
    refund(parent, daycare, baneins, "1.50", "1")
    # The canteen's pot opened and never moved; paying the canteen and the daycare empties the
    # daycare's pot (a payment opens no pot: an unopened one holds nothing).
    ledger.service_pot(parent, canteen.pk, saint_marcel.pk)
    spend(parent, [(canteen, saint_marcel, "3.50"), (daycare, baneins, "1.50")], "1")
    assert LedgerAccount.objects.filter(owner=parent).count() == 3

    pots = parent_client.get(WALLET).json()["pots"]

    assert [(pot["name"], pot["balance"]) for pot in pots] == [
        ("Garderie de Baneins", "0.00"),
        ("Tous services", "6.50"),
    ]


def test_an_account_awaiting_validation_sees_its_empty_wallet(client):
    client.force_login(PendingParentFactory())

    response = client.get(WALLET)

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("total", "total_display", "pots")} == {
        "total": "0.00",
        "total_display": f"0,00{NBSP}€",
        "pots": [],
    }
    assert body["forecast"]["balance"] == "0.00"
    assert client.get(MOVEMENTS).json()["results"] == []


@pytest.mark.parametrize("path", [WALLET, MOVEMENTS])
def test_an_anonymous_visitor_is_refused(client, path):
    assert client.get(path).status_code in (401, 403)


# --- /api/wallet/movements/ ------------------------------------------------------------------


def test_movements_are_newest_first_with_who_moved_the_money(
    parent_client, parent, canteen, daycare, saint_marcel, baneins
):
    agent = AgentFactory(first_name="Jeanne", last_name="Dupont", communes=[baneins])
    top_up(parent, "10.00", "1")
    spend(parent, [(daycare, baneins, "1.50")], "1", actor=agent, actor_role=ActorRole.AGENT)
    refund(parent, canteen, saint_marcel, "3.50", "1", actor=None, actor_role=ActorRole.SYSTEM)
    daycare_pot = ledger.service_pot(parent, daycare.pk, baneins.pk)
    ledger.adjust_pot(
        daycare_pot,
        Decimal("2.00"),
        reason="Repas payé en espèces en mairie",
        agent=agent,
        idempotency_key="adjust:1",
    )

    response = parent_client.get(MOVEMENTS)

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 4
    rows = [
        (row["pot"]["name"], row["amount"], row["kind"], row["who"], row["who_role"])
        for row in data["results"]
    ]
    assert rows == [
        # The family reads an agent as their commune's, not by name.
        ("Garderie de Baneins", "2.00", "adjustment", "L'agent de Baneins", "agent"),
        ("Cantine de Saint-Marcel-en-Dombes", "3.50", "refund", "Portail Famille", "system"),
        ("Tous services", "-1.50", "purchase", "L'agent de Baneins", "agent"),
        ("Tous services", "10.00", "top_up", "Vous", "parent"),
    ]
    adjustment = data["results"][0]
    assert adjustment["kind_label"] == "Ajustement par un agent"
    assert adjustment["reason"] == "Repas payé en espèces en mairie"
    assert adjustment["reference"] == f"ajustement:{daycare_pot.pk}"
    assert adjustment["amount_display"] == f"+2,00{NBSP}€"
    assert adjustment["date"]
    assert data["results"][2]["amount_display"] == f"-1,50{NBSP}€"
    assert data["results"][2]["reference"] == "ORDER-1"


def test_a_payment_taken_from_two_pots_is_one_line_per_pot(
    parent_client, parent, canteen, daycare, saint_marcel, baneins
):
    top_up(parent, "10.00", "1")
    refund(parent, canteen, saint_marcel, "1.00", "1")
    # The general pot pays for two communes' services: two legs on it, one line for the parent.
    spend(parent, [(canteen, saint_marcel, "3.50"), (daycare, baneins, "1.50")], "1")

    results = parent_client.get(MOVEMENTS).json()["results"]

    payment = [row for row in results if row["kind"] == "purchase"]
    assert sorted((row["pot"]["name"], row["amount"]) for row in payment) == [
        ("Cantine de Saint-Marcel-en-Dombes", "-1.00"),
        ("Tous services", "-4.00"),
    ]
    assert len({row["transfer"] for row in payment}) == 1


def test_movements_are_filtered_by_pot(parent_client, seed_wallet, canteen, saint_marcel):
    pot = LedgerAccount.objects.get(owner=seed_wallet, service=canteen)

    results = parent_client.get(MOVEMENTS, {"pot": pot.pk}).json()["results"]

    assert [(row["pot"]["id"], row["amount"]) for row in results] == [(pot.pk, "15.00")]


def test_a_pot_filter_that_is_not_a_number_is_a_400(parent_client, seed_wallet):
    assert parent_client.get(MOVEMENTS, {"pot": "cantine"}).status_code == 400


# --- Isolation ------------------------------------------------------------------------------


def test_another_parent_sees_nothing_of_yours(client, seed_wallet):
    client.force_login(ParentFactory())

    assert client.get(WALLET).json()["pots"] == []
    assert client.get(WALLET).json()["total"] == "0.00"
    assert client.get(MOVEMENTS).json()["count"] == 0


def test_another_parents_pot_in_the_filter_is_a_404_never_their_movements(client, seed_wallet):
    their_pot = LedgerAccount.objects.filter(owner=seed_wallet).first()
    neighbour = ParentFactory()
    top_up(neighbour, "5.00", "neighbour")
    client.force_login(neighbour)

    response = client.get(MOVEMENTS, {"pot": their_pot.pk})

    assert response.status_code == 404
    assert "Martin" not in response.content.decode()


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("movements", [3, 30])
def test_the_statement_and_movements_cost_the_same_queries_for_3_and_30_movements(
    parent_client,
    parent,
    canteen,
    daycare,
    saint_marcel,
    baneins,
    movements,
    django_assert_max_num_queries,
):
    agent = AgentFactory(communes=[baneins])
    top_up(parent, "50.00", "start")
    for index in range(movements - 1):
        if index % 3 == 0:
            refund(parent, canteen, saint_marcel, "1.00", index)
        elif index % 3 == 1:
            spend(parent, [(daycare, baneins, "0.50")], index, actor=agent, actor_role="agent")
        else:
            top_up(parent, "1.00", index)

    # Session and user, then one query for the pots (the statement) and the forecast's (its
    # pots' total, unpaid shares, basket, the last four weeks' bookings, the last one booked), or
    # count, page, transfers with their actors, the actors' communes and pots with their services
    # (the history); the session save costs three (savepoint, update, release).
    with django_assert_max_num_queries(8):
        assert parent_client.get(WALLET).status_code == 200
    with django_assert_max_num_queries(10):
        response = parent_client.get(MOVEMENTS)

    assert response.json()["count"] >= movements
