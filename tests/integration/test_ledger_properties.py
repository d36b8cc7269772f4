"""Property: whatever a family does with its wallet — top-ups, payments across services (wallet
only, or wallet then card), refunds of cancellations, agents' credits and debits, replays of the
same request — the ledger keeps its invariants after every step:

- every transfer has legs summing to zero, and every cached balance is the sum of its legs
  (wallet.integrity, the check the scheduled task runs);
- no pot is below zero;
- the family's total is its top-ups + refunds + adjustments − what the wallet paid.

Each example runs in a savepoint of the one test transaction, rolled back at its end."""

import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import AgentFactory, ParentFactory, PartnerFactory
from tests.shop_data import make_service
from wallet import integrity, ledger
from wallet.exceptions import InsufficientFundsError
from wallet.models import POT_KINDS, LedgerAccount
from wallet.rules import ZERO

pytestmark = pytest.mark.django_db

TOP_UPS = [Decimal(amount) for amount in ("1", "5", "10", "25", "50")]
SERVICES = 3

cents = st.integers(min_value=1, max_value=3000).map(lambda n: Decimal(n) / 100)
service_index = st.integers(min_value=0, max_value=SERVICES - 1)

top_up = st.tuples(st.just("top_up"), st.sampled_from(TOP_UPS), st.booleans())
spend = st.tuples(
    st.just("spend"),
    # One to three charges over two or three services (the same service may come twice).
    st.lists(st.tuples(service_index, cents), min_size=1, max_size=3),
    st.booleans(),  # allow_partial: the wallet pays what it can, the card the rest
)
refund = st.tuples(st.just("refund"), service_index, cents)
adjustment = st.tuples(
    st.just("adjust"),
    st.one_of(st.none(), service_index),  # None: the general pot (an administrator's)
    cents,
    st.booleans(),  # debit
)
steps = st.lists(st.one_of(top_up, spend, refund, adjustment), min_size=1, max_size=15)


class Family:
    """Runs steps against the ledger and keeps the expected total."""

    def __init__(self, services, agent):
        self.parent = ParentFactory()
        self.services = services
        self.agent = agent
        self.expected_total = ZERO
        self.prefix = uuid.uuid4().hex

    def key(self, index):
        return f"{self.prefix}:{index}"

    def total(self) -> Decimal:
        pots = LedgerAccount.objects.filter(owner=self.parent, kind__in=POT_KINDS)
        return sum((pot.balance for pot in pots), ZERO)

    def run(self, index, step):
        getattr(self, step[0])(index, *step[1:])

    def top_up(self, index, amount, replayed):
        ledger.credit_top_up(
            self.parent, amount, reference=f"top-up-{index}", idempotency_key=self.key(index)
        )
        if replayed:  # the gateway's webhook delivered twice
            ledger.credit_top_up(
                self.parent, amount, reference=f"top-up-{index}", idempotency_key=self.key(index)
            )
        self.expected_total += amount

    def spend(self, index, charges, allow_partial):
        due = {}
        for i, amount in charges:
            due[i] = due.get(i, ZERO) + amount
        before = self.total()
        payable = self.payable(due)
        charges = [
            ledger.Charge(self.services[i][0].pk, self.services[i][1].pk, amount)
            for i, amount in charges
        ]
        try:
            payment = ledger.pay_from_wallet(
                self.parent,
                charges,
                reference=f"ORDER-{index}",
                idempotency_key=self.key(index),
                allow_partial=allow_partial,
            )
        except InsufficientFundsError as error:
            assert not allow_partial
            assert error.missing == sum(due.values()) - payable
            assert self.total() == before
            return
        assert payment.paid == (payable if allow_partial else sum(due.values()))
        self.expected_total -= payment.paid

    def payable(self, due: dict) -> Decimal:
        """What the pots can pay of `due` (service index -> amount): each service's own pot,
        then the general pot for the rest."""
        pots = {
            pot.service_id: pot.balance
            for pot in LedgerAccount.objects.filter(owner=self.parent, kind__in=POT_KINDS)
        }
        own = {i: min(amount, pots.get(self.services[i][0].pk, ZERO)) for i, amount in due.items()}
        rest = sum(due.values(), ZERO) - sum(own.values(), ZERO)
        return sum(own.values(), ZERO) + min(rest, pots.get(None, ZERO))

    def refund(self, index, service, amount):
        service, commune = self.services[service]
        ledger.refund_to_service_pot(
            self.parent,
            service_id=service.pk,
            commune_id=commune.pk,
            amount=amount,
            reason="Annulation",
            reference=f"booking-{index}",
            idempotency_key=self.key(index),
        )
        self.expected_total += amount

    def adjust(self, index, service, amount, debit):
        if service is None:
            pot = ledger.general_pot(self.parent)
        else:
            service, commune = self.services[service]
            pot = ledger.service_pot(self.parent, service.pk, commune.pk)
        signed = -amount if debit else amount
        before = pot.balance
        try:
            ledger.adjust_pot(
                pot, signed, reason="Ajustement", agent=self.agent, idempotency_key=self.key(index)
            )
        except InsufficientFundsError as error:
            assert debit
            assert error.missing == amount - before
            return
        self.expected_total += signed


def assert_invariants(family):
    report = integrity.check_ledger()
    assert report.ok, report.describe()
    assert not LedgerAccount.objects.filter(kind__in=POT_KINDS, balance__lt=0).exists()
    assert family.total() == family.expected_total


def test_every_sequence_of_wallet_operations_keeps_the_ledger_invariants():
    dombes = PartnerFactory(name="Saint-Marcel-en-Dombes")
    baneins = PartnerFactory(name="Baneins")
    services = [
        (make_service(dombes, "Cantine de Saint-Marcel", {"Repas": "3.50"})[0], dombes),
        (make_service(baneins, "Garderie de Baneins", {"Heure": "1.50"})[0], baneins),
        (make_service(baneins, "Cantine de Baneins", {"Repas": "3.20"})[0], baneins),
    ]
    agent = AgentFactory(communes=[dombes, baneins])

    @settings(max_examples=30, deadline=None, database=None)
    @given(steps=steps)
    def run(steps):
        with transaction.atomic():
            family = Family(services, agent)
            for index, step in enumerate(steps):
                family.run(index, step)
                assert_invariants(family)
            # Each example starts from the same ledger: undo this one.
            transaction.set_rollback(True)

    run()
