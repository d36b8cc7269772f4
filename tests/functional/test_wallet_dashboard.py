"""Agents' wallet screens in the Oscar dashboard: an agent sees and adjusts the pots of their
communes' services, sees the general pot read-only, and every adjustment is logged with their
name; money moves once per submitted form, and never below zero."""

import re
from decimal import Decimal

import pytest

from accounts.roles import ActorRole
from tests.factories import (
    AdministratorFactory,
    AgentFactory,
    OfficerFactory,
    ParentFactory,
    PartnerFactory,
    PendingParentFactory,
)
from tests.shop_data import make_service
from wallet import ledger
from wallet.models import AccountKind, LedgerAccount, Transfer, TransferKind

pytestmark = pytest.mark.django_db

LIST = "/dashboard/porte-monnaie/"
NBSP = "\u00a0"


def detail(family):
    return f"{LIST}{family.pk}/"


def credit_url(family):
    return f"{LIST}{family.pk}/crediter/"


def adjust(pot):
    return f"{LIST}pots/{pot.pk}/ajuster/"


def form_token(response, form_id):
    """The hidden token the page drew for the form `form_id`."""
    form = re.search(rf'<form id="{form_id}".*?</form>', response.content.decode(), re.S)
    return re.search(r'name="token" value="([^"]+)"', form.group(0)).group(1)


def balance(pot):
    pot.refresh_from_db()
    return pot.balance


@pytest.fixture
def baneins():
    return PartnerFactory(name="Baneins")


@pytest.fixture
def saint_marcel():
    return PartnerFactory(name="Saint-Marcel-en-Dombes")


@pytest.fixture
def daycare(baneins):
    return make_service(baneins, "Garderie de Baneins", {"Heure": "1.50"})[0]


@pytest.fixture
def baneins_canteen(baneins):
    return make_service(baneins, "Cantine de Baneins", {"Repas": "3.20"})[0]


@pytest.fixture
def canteen(saint_marcel):
    return make_service(saint_marcel, "Cantine de Saint-Marcel-en-Dombes", {"Repas": "3.50"})[0]


@pytest.fixture
def family(daycare, canteen, baneins, saint_marcel):
    """The seed's family: 20 € for the daycare of Baneins, 15 € for the canteen of
    Saint-Marcel, 5 € for every service."""
    parent = ParentFactory(first_name="Claire", last_name="Martin", email="claire@example.org")
    ledger.credit_top_up(parent, Decimal("5.00"), reference="t", idempotency_key="top-up:seed")
    for service, commune, amount in ((daycare, baneins, "20.00"), (canteen, saint_marcel, "15.00")):
        ledger.refund_to_service_pot(
            parent,
            service_id=service.pk,
            commune_id=commune.pk,
            amount=Decimal(amount),
            reason="Annulation",
            reference=f"booking-{service.pk}",
            idempotency_key=f"refund:seed:{service.pk}",
        )
    return parent


@pytest.fixture
def daycare_pot(family, daycare):
    return LedgerAccount.objects.get(owner=family, service=daycare)


@pytest.fixture
def canteen_pot(family, canteen):
    return LedgerAccount.objects.get(owner=family, service=canteen)


@pytest.fixture
def general_pot(family):
    return LedgerAccount.objects.get(owner=family, kind=AccountKind.GENERAL_POT)


@pytest.fixture
def agent(baneins):
    return AgentFactory(first_name="Jeanne", last_name="Dupont", communes=[baneins])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def post_adjustment(client, pot, amount, direction="credit", reason="Repas payé en mairie"):
    token = form_token(client.get(adjust(pot)), "adjust_form")
    data = {"amount": amount, "direction": direction, "reason": reason, "token": token}
    return client.post(adjust(pot), data), data


# --- Seeing -----------------------------------------------------------------------------------


def test_the_agent_of_baneins_sees_the_baneins_pot_and_the_general_pot_not_saint_marcels(
    agent_client, family
):
    page = agent_client.get(LIST).content.decode()

    assert "Claire Martin" in page
    assert f"Garderie de Baneins : 20,00{NBSP}€" in page
    assert f"Tous services : 5,00{NBSP}€" in page
    assert "Saint-Marcel" not in page

    page = agent_client.get(detail(family)).content.decode()
    assert "Garderie de Baneins" in page
    assert "Tous services" in page
    assert "Saint-Marcel" not in page


def test_a_family_is_found_by_name_or_email(agent_client, family, daycare, baneins):
    other = ParentFactory(first_name="Paul", last_name="Bernard", email="paul@example.org")
    ledger.refund_to_service_pot(
        other,
        service_id=daycare.pk,
        commune_id=baneins.pk,
        amount=Decimal("1.50"),
        reason="Annulation",
        reference="b",
        idempotency_key="r:paul",
    )

    by_name = agent_client.get(LIST, {"q": "martin claire"})
    by_email = agent_client.get(LIST, {"q": "paul@exa"})

    assert [row.record for row in by_name.context["families"].page.object_list] == [family]
    assert [row.record for row in by_email.context["families"].page.object_list] == [other]


def test_a_family_of_another_commune_is_not_listed_even_when_searched(
    agent_client, family, canteen, saint_marcel
):
    elsewhere = ParentFactory(first_name="Paul", last_name="Bernard")
    ledger.credit_top_up(elsewhere, Decimal("8.00"), reference="t", idempotency_key="t:paul")
    ledger.refund_to_service_pot(
        elsewhere,
        service_id=canteen.pk,
        commune_id=saint_marcel.pk,
        amount=Decimal("3.50"),
        reason="Annulation",
        reference="b",
        idempotency_key="r:paul",
    )

    listed = agent_client.get(LIST)
    searched = agent_client.get(LIST, {"q": "bernard"})

    assert [row.record for row in listed.context["families"].page.object_list] == [family]
    assert list(searched.context["families"].page.object_list) == []
    assert agent_client.get(detail(elsewhere)).status_code == 404


def test_the_general_pot_is_read_only_for_an_agent(agent_client, family, daycare_pot, general_pot):
    page = agent_client.get(detail(family)).content.decode()

    assert adjust(daycare_pot) in page
    assert adjust(general_pot) not in page
    assert "seul un administrateur l'ajuste" in page


def test_the_movements_list_shows_who_did_what(agent_client, family, daycare_pot, agent):
    ledger.adjust_pot(
        daycare_pot,
        Decimal("3.00"),
        reason="Geste commercial",
        agent=agent,
        idempotency_key="adjust:who",
    )

    movements = agent_client.get(detail(family)).context["movements"]

    rows = [(m.pot_name, m.amount, m.transfer.reason, m.actor_name) for m in movements]
    assert rows == [
        ("Garderie de Baneins", Decimal("3.00"), "Geste commercial", "Jeanne Dupont"),
        ("Garderie de Baneins", Decimal("20.00"), "Annulation", "Claire Martin"),
        ("Tous services", Decimal("5.00"), "Rechargement du porte-monnaie", "Claire Martin"),
    ]
    page = agent_client.get(detail(family)).content.decode()
    assert "Jeanne Dupont (agent)" in page
    assert "Claire Martin (la famille)" in page


# --- Adjusting --------------------------------------------------------------------------------


def test_the_agent_of_baneins_credits_a_baneins_pot_with_a_reason_logged_with_their_name(
    agent_client, family, daycare_pot, agent, client
):
    response, _ = post_adjustment(agent_client, daycare_pot, "7.50", reason="Paiement en espèces")

    assert response.status_code == 302
    assert response["Location"] == detail(family)
    assert balance(daycare_pot) == Decimal("27.50")
    record = Transfer.objects.get(kind=TransferKind.ADJUSTMENT)
    assert record.reason == "Paiement en espèces"
    assert record.actor == agent
    assert record.actor_role == ActorRole.AGENT
    page = agent_client.get(detail(family)).content.decode()
    assert "Paiement en espèces" in page
    assert "crédité de 7,50" in page

    # The family reads it in its history as made by their commune's agent.
    client.force_login(family)
    first = client.get("/api/wallet/movements/").json()["results"][0]
    assert (first["amount"], first["who"], first["reason"]) == (
        "7.50",
        "L'agent de Baneins",
        "Paiement en espèces",
    )


def test_the_agent_debits_a_baneins_pot(agent_client, daycare_pot):
    response, _ = post_adjustment(agent_client, daycare_pot, "4.00", direction="debit")

    assert response.status_code == 302
    assert balance(daycare_pot) == Decimal("16.00")


def test_the_agent_credits_the_pot_of_one_of_their_services_the_family_never_used(
    agent_client, family, baneins_canteen, baneins
):
    token = form_token(agent_client.get(detail(family)), "credit_form")

    response = agent_client.post(
        credit_url(family),
        {"service": baneins_canteen.pk, "amount": "10", "reason": "Avoir", "token": token},
    )

    assert response.status_code == 302
    pot = LedgerAccount.objects.get(owner=family, service=baneins_canteen)
    assert pot.balance == Decimal("10.00")
    assert pot.commune == baneins


def test_the_credit_form_offers_only_the_agents_communes_services(
    agent_client, family, daycare, baneins_canteen, canteen
):
    form = agent_client.get(detail(family)).context["credit_form"]

    assert set(form.fields["service"].queryset) == {daycare, baneins_canteen}


def test_crediting_a_saint_marcel_service_is_refused(agent_client, family, canteen, canteen_pot):
    token = form_token(agent_client.get(detail(family)), "credit_form")

    response = agent_client.post(
        credit_url(family),
        {"service": canteen.pk, "amount": "10", "reason": "Avoir", "token": token},
    )

    assert response.status_code == 200
    assert response.context["credit_form"].errors["service"]
    assert balance(canteen_pot) == Decimal("15.00")
    assert not Transfer.objects.filter(kind=TransferKind.ADJUSTMENT).exists()


def test_the_agent_of_baneins_cannot_touch_a_saint_marcel_pot(agent_client, canteen_pot):
    assert agent_client.get(adjust(canteen_pot)).status_code == 404
    data = {"amount": "10", "direction": "credit", "reason": "x", "token": _a_token()}
    assert agent_client.post(adjust(canteen_pot), data).status_code == 404

    assert balance(canteen_pot) == Decimal("15.00")
    assert not Transfer.objects.filter(kind=TransferKind.ADJUSTMENT).exists()


def test_an_agent_cannot_adjust_the_general_pot(agent_client, general_pot):
    assert agent_client.get(adjust(general_pot)).status_code == 404
    data = {"amount": "10", "direction": "credit", "reason": "x", "token": _a_token()}
    assert agent_client.post(adjust(general_pot), data).status_code == 404

    assert balance(general_pot) == Decimal("5.00")


def test_an_administrator_adjusts_the_general_pot(client, family, general_pot):
    client.force_login(AdministratorFactory())

    response, _ = post_adjustment(client, general_pot, "2.00", direction="debit")

    assert response.status_code == 302
    assert balance(general_pot) == Decimal("3.00")


def test_a_debit_beyond_the_balance_is_refused_with_the_missing_amount_and_changes_nothing(
    agent_client, daycare_pot
):
    response, _ = post_adjustment(agent_client, daycare_pot, "25.00", direction="debit")

    assert response.status_code == 200
    errors = response.context["form"].errors["amount"]
    assert errors == ["Solde insuffisant dans le porte-monnaie : il manque 5,00\u00a0€."]
    assert balance(daycare_pot) == Decimal("20.00")
    assert not Transfer.objects.filter(kind=TransferKind.ADJUSTMENT).exists()


def test_submitting_the_same_form_twice_moves_money_once(agent_client, daycare_pot):
    first, data = post_adjustment(agent_client, daycare_pot, "10.00")
    second = agent_client.post(adjust(daycare_pot), data, follow=True)

    assert first.status_code == 302
    assert balance(daycare_pot) == Decimal("30.00")
    assert Transfer.objects.filter(kind=TransferKind.ADJUSTMENT).count() == 1
    assert "déjà enregistré" in second.content.decode()


def test_each_display_of_the_form_draws_a_new_token(agent_client, daycare_pot):
    first = form_token(agent_client.get(adjust(daycare_pot)), "adjust_form")
    second = form_token(agent_client.get(adjust(daycare_pot)), "adjust_form")

    assert first != second


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [("10", "", "reason"), ("10", "   ", "reason"), ("0", "x", "amount"), ("-5", "x", "amount")],
)
def test_an_adjustment_needs_a_positive_amount_and_a_reason(
    agent_client, daycare_pot, amount, reason, field
):
    data = {"amount": amount, "direction": "credit", "reason": reason, "token": _a_token()}

    response = agent_client.post(adjust(daycare_pot), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert balance(daycare_pot) == Decimal("20.00")


def test_a_form_without_its_token_is_refused_and_says_so(agent_client, daycare_pot):
    data = {"amount": "10", "direction": "credit", "reason": "Avoir"}

    response = agent_client.post(adjust(daycare_pot), data)

    assert response.status_code == 200
    assert "rechargez la page" in response.content.decode()
    assert balance(daycare_pot) == Decimal("20.00")


def _a_token():
    return "5b0a2c1e-6f4b-4a8e-9d3c-2e1f0a9b8c7d"


# --- Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [ParentFactory, PendingParentFactory, OfficerFactory])
def test_parents_and_officers_cannot_open_the_wallet_screens(client, role, family, daycare_pot):
    client.force_login(role())

    # Oscar's permission decorator: a signed-in user without the permission gets a 403.
    assert client.get(LIST).status_code == 403
    assert client.get(detail(family)).status_code == 403
    data = {"amount": "10", "direction": "credit", "reason": "x", "token": _a_token()}
    assert client.post(adjust(daycare_pot), data).status_code == 403
    assert balance(daycare_pot) == Decimal("20.00")


def test_an_anonymous_visitor_is_sent_to_the_dashboard_login(client, family, daycare_pot):
    for response in (client.get(LIST), client.get(detail(family)), client.get(adjust(daycare_pot))):
        assert response.status_code == 302
        assert response["Location"].startswith("/dashboard/login/")


def test_an_agent_is_not_a_family_whose_wallet_one_opens(agent_client, agent):
    assert agent_client.get(detail(agent)).status_code == 404


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("families", [3, 30])
def test_the_list_costs_the_same_queries_for_3_and_30_families(
    agent_client, daycare, baneins, families, django_assert_max_num_queries
):
    for index in range(families):
        parent = ParentFactory()
        ledger.credit_top_up(parent, Decimal("5"), reference="t", idempotency_key=f"t:{index}")
        ledger.refund_to_service_pot(
            parent,
            service_id=daycare.pk,
            commune_id=baneins.pk,
            amount=Decimal("1.50"),
            reason="Annulation",
            reference="b",
            idempotency_key=f"r:{index}",
        )

    # The pots of every family on the page come in one prefetch.
    with django_assert_max_num_queries(14):
        response = agent_client.get(LIST)

    assert len(response.context["families"].page.object_list) == min(families, 20)


@pytest.mark.parametrize("movements", [3, 30])
def test_the_detail_page_costs_the_same_queries_for_3_and_30_movements(
    agent_client, family, daycare_pot, agent, movements, django_assert_max_num_queries
):
    for index in range(movements):
        ledger.adjust_pot(
            daycare_pot, Decimal("1"), reason="x", agent=agent, idempotency_key=f"a:{index}"
        )

    # 19 today: session, user, permissions, the family, its pots and which ones the agent may
    # adjust, count and page of the history, their transfers, their actors' communes and pots,
    # notifications, the services of the credit form, session save. The history's length costs
    # nothing.
    with django_assert_max_num_queries(19):
        response = agent_client.get(detail(family))

    # The family's top-up and daycare refund; its Saint-Marcel refund is not the agent's to see.
    assert len(response.context["movements"]) == min(movements + 2, 20)
