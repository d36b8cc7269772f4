"""Migration 0006 on a database made before régies (a developer's var/portail.sqlite3): rows
written with the historical models of 0005, then 0006 applied by Django's executor."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

pytestmark = pytest.mark.django_db

BEFORE = ("wallet", "0005_regies")
AFTER = ("wallet", "0006_attach_existing_services")
migration_0006 = import_module("wallet.migrations.0006_attach_existing_services")


@pytest.fixture
def migrator():
    """Takes the wallet back to 0005 and gives its historical apps; `forward()` applies 0006
    and gives the apps after it. The whole project's migrations are reapplied at the end, all
    in the test's transaction, rolled back with the rows it wrote."""

    class Migrator:
        def __init__(self):
            self.executor = MigrationExecutor(connection)
            self.executor.migrate([BEFORE])
            self.apps = self._apps_at(BEFORE)

        def _apps_at(self, node):
            executor = MigrationExecutor(connection)
            return executor.loader.project_state([node]).apps

        def forward(self):
            executor = MigrationExecutor(connection)
            executor.migrate([AFTER])
            return self._apps_at(AFTER)

    migrator = Migrator()
    yield migrator
    # The later migrations alter tables this test wrote to, in its transaction: PostgreSQL
    # refuses while the rows' deferred foreign key checks are pending, so run them now.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class OldWorld:
    """A pre-régie world written with 0005's models: Rosières sells a canteen and a holiday
    club, Bains a canteen (Bains already has a régie); a parent topped up, paid a basket over
    both communes from the pots, had a refund and two agent adjustments."""

    def __init__(self, apps):
        self.apps = apps
        model = apps.get_model
        self.Regie = model("wallet", "Regie")
        self.Backend = model("wallet", "PaymentBackendAccount")
        self.Account = model("wallet", "LedgerAccount")
        self.Transfer = model("wallet", "Transfer")
        self.Leg = model("wallet", "Leg")
        Partner = model("partner", "Partner")
        self.rosieres = Partner.objects.create(code="rosieres", name="Rosières")
        self.bains = Partner.objects.create(code="bains", name="Bains")
        self.canteen = self.service(self.rosieres, "rosieres-cantine", Decimal("3.30"))
        self.club = self.service(self.rosieres, "rosieres-accueil-loisirs", Decimal("8.00"))
        self.bains_canteen = self.service(self.bains, "bains-cantine", Decimal("5.50"))
        # Bains has its régie already, on a backend of its own: its service goes there.
        bains_backend = self.Backend.objects.create(name="Bains", kind="offline")
        self.bains_regie = self.Regie.objects.create(
            code="bains-cantine",
            name="Régie cantine de Bains",
            kind="services",
            commune=self.bains,
            backend=bains_backend,
        )
        self.write_ledger()

    def service(self, partner, upc, price):
        Product = self.apps.get_model("catalogue", "Product")
        StockRecord = self.apps.get_model("partner", "StockRecord")
        parent = Product.objects.create(structure="parent", title=upc, upc=upc, slug=upc)
        child = Product.objects.create(
            structure="child", title=f"{upc} enfants", upc=f"{upc}-enfants", slug=f"{upc}-e"
        )
        child.parent = parent
        child.save()
        StockRecord.objects.create(
            product=child, partner=partner, partner_sku=child.upc, price=price
        )
        return parent

    def system(self, kind, service=None, commune=None):
        key = f"{kind}:{service.pk if service else '-'}:{commune.pk if commune else '-'}"
        return self.Account.objects.create(
            kind=kind, service=service, commune=commune, system_key=key
        )

    def write_ledger(self):
        User = self.apps.get_model("accounts", "User")
        self.parent = User.objects.create(email="famille@example.org")
        self.general = self.Account.objects.create(
            kind="general_pot", owner=self.parent, balance=Decimal("40.20")
        )
        self.canteen_pot = self.Account.objects.create(
            kind="service_pot",
            owner=self.parent,
            service=self.canteen,
            commune=self.rosieres,
            balance=Decimal("3.30"),
        )
        self.receipts = self.system("card_receipts")
        self.canteen_revenue = self.system("service_revenue", self.canteen, self.rosieres)
        self.club_revenue = self.system("service_revenue", self.club, self.rosieres)
        self.bains_revenue = self.system("service_revenue", self.bains_canteen, self.bains)
        self.canteen_refunds = self.system("refunds", self.canteen, self.rosieres)
        self.rosieres_adjustments = self.system("adjustments", None, self.rosieres)
        self.adjustments = self.system("adjustments")

        self.top_up = self.transfer(
            "top_up", [(self.receipts, "-50.00", None), (self.general, "50.00", None)]
        )
        self.purchase = self.transfer(
            "purchase",
            [
                (self.canteen_pot, "-1.00", self.rosieres),
                (self.general, "-10.30", self.rosieres),
                (self.general, "-5.50", self.bains),
                (self.canteen_revenue, "3.30", self.rosieres),
                (self.club_revenue, "8.00", self.rosieres),
                (self.bains_revenue, "5.50", self.bains),
            ],
        )
        self.refund = self.transfer(
            "refund",
            [(self.canteen_refunds, "-3.30", self.rosieres), (self.canteen_pot, "3.30", None)],
        )
        self.pot_adjustment = self.transfer(
            "adjustment",
            [
                (self.rosieres_adjustments, "-1.00", self.rosieres),
                (self.canteen_pot, "1.00", self.rosieres),
            ],
        )
        self.general_adjustment = self.transfer(
            "adjustment", [(self.adjustments, "-6.00", None), (self.general, "6.00", None)]
        )

        CardPayment = self.apps.get_model("wallet", "CardPayment")
        payment = {"owner": self.parent, "gateway": "offline", "amount": Decimal("50.00")}
        self.credited_top_up = CardPayment.objects.create(
            **payment,
            purpose="top_up",
            status="succeeded",
            transfer=self.top_up,
            idempotency_key="p1",
        )
        self.pending_top_up = CardPayment.objects.create(
            **payment, purpose="top_up", idempotency_key="p2"
        )
        self.order_payment = CardPayment.objects.create(
            **payment, purpose="order", order_number="100042", idempotency_key="p3"
        )

    def transfer(self, kind, legs):
        record = self.Transfer.objects.create(
            kind=kind, reason=kind, idempotency_key=f"{kind}-{self.Transfer.objects.count()}"
        )
        for account, amount, commune in legs:
            self.Leg.objects.create(
                transfer=record, account=account, amount=Decimal(amount), commune=commune
            )
        return record


def regie_names_of_legs(apps, transfer) -> list[tuple[str, str, str | None]]:
    Leg = apps.get_model("wallet", "Leg")
    return sorted(
        (leg.account.kind, str(leg.amount), leg.regie.name if leg.regie else None)
        for leg in Leg.objects.filter(transfer_id=transfer.pk).select_related("account", "regie")
    )


@override_settings(STRIPE_SECRET_KEY="")
def test_every_priced_service_is_attached_to_a_regie_of_its_commune(migrator):
    world = OldWorld(migrator.apps)

    apps = migrator.forward()

    Regie = apps.get_model("wallet", "Regie")
    ServiceRegie = apps.get_model("wallet", "ServiceRegie")
    links = {link.service.upc: link.regie for link in ServiceRegie.objects.select_related()}
    rosieres = Regie.objects.get(commune_id=world.rosieres.pk)
    assert links == {
        "rosieres-cantine": rosieres,
        "rosieres-accueil-loisirs": rosieres,
        "bains-cantine": Regie.objects.get(pk=world.bains_regie.pk),
    }
    assert (rosieres.code, rosieres.name, rosieres.kind) == (
        "rosieres",
        "Régie de Rosières",
        "services",
    )
    assert (rosieres.backend.name, rosieres.backend.kind) == (
        "Passerelle de la plateforme",
        "offline",
    )
    platform = Regie.objects.get(kind="platform")
    assert (platform.name, platform.site_id, platform.commune_id) == (
        "Régie de la plateforme",
        None,
        None,
    )
    assert platform.backend == rosieres.backend


@override_settings(STRIPE_SECRET_KEY="sk_test_configured")
def test_the_regies_it_creates_use_stripe_when_the_platform_has_its_keys(migrator):
    OldWorld(migrator.apps)

    apps = migrator.forward()

    backend = apps.get_model("wallet", "Regie").objects.get(code="rosieres").backend
    assert (backend.name, backend.kind) == ("Passerelle de la plateforme", "stripe")


def test_each_ledger_account_gets_the_regie_whose_money_it_holds(migrator):
    world = OldWorld(migrator.apps)

    apps = migrator.forward()

    Account = apps.get_model("wallet", "LedgerAccount")
    Regie = apps.get_model("wallet", "Regie")
    platform = Regie.objects.get(kind="platform")
    rosieres = Regie.objects.get(code="rosieres")
    expected = {
        world.general.pk: platform,
        world.canteen_pot.pk: rosieres,
        world.receipts.pk: platform,
        world.canteen_revenue.pk: rosieres,
        world.club_revenue.pk: rosieres,
        world.bains_revenue.pk: Regie.objects.get(pk=world.bains_regie.pk),
        world.canteen_refunds.pk: rosieres,
        world.rosieres_adjustments.pk: rosieres,
        world.adjustments.pk: platform,
    }
    assert {account.pk: account.regie for account in Account.objects.all()} == expected


def test_each_leg_gets_the_regie_of_what_it_paid_or_received(migrator):
    world = OldWorld(migrator.apps)

    apps = migrator.forward()

    platform = "Régie de la plateforme"
    rosieres = "Régie de Rosières"
    bains = "Régie cantine de Bains"
    assert regie_names_of_legs(apps, world.top_up) == [
        ("card_receipts", "-50.00", platform),
        ("general_pot", "50.00", platform),
    ]
    # The general pot's legs are the paid services' régies: what the platform régie owes them.
    assert regie_names_of_legs(apps, world.purchase) == [
        ("general_pot", "-10.30", rosieres),
        ("general_pot", "-5.50", bains),
        ("service_pot", "-1.00", rosieres),
        ("service_revenue", "3.30", rosieres),
        ("service_revenue", "5.50", bains),
        ("service_revenue", "8.00", rosieres),
    ]
    assert regie_names_of_legs(apps, world.refund) == [
        ("refunds", "-3.30", rosieres),
        ("service_pot", "3.30", rosieres),
    ]
    assert regie_names_of_legs(apps, world.pot_adjustment) == [
        ("adjustments", "-1.00", rosieres),
        ("service_pot", "1.00", rosieres),
    ]
    assert regie_names_of_legs(apps, world.general_adjustment) == [
        ("adjustments", "-6.00", platform),
        ("general_pot", "6.00", platform),
    ]
    Leg = apps.get_model("wallet", "Leg")
    assert not Leg.objects.filter(regie__isnull=True).exists()


def test_a_top_ups_card_payment_names_the_regie_that_received_it(migrator):
    world = OldWorld(migrator.apps)

    apps = migrator.forward()

    CardPayment = apps.get_model("wallet", "CardPayment")
    platform = apps.get_model("wallet", "Regie").objects.get(kind="platform")
    regies = dict(CardPayment.objects.values_list("pk", "regie_id"))
    assert regies == {
        world.credited_top_up.pk: platform.pk,
        # Settled later into the general pot of the platform régie: counted there.
        world.pending_top_up.pk: platform.pk,
        # An order's card part was not in the ledger before régies: nothing to reconcile.
        world.order_payment.pk: None,
    }


def test_it_keeps_the_regies_already_set_and_changes_nothing_when_run_again(migrator):
    world = OldWorld(migrator.apps)
    # A leg and an account already attributed (by hand, or by the new code) keep their régie.
    world.Account.objects.filter(pk=world.club_revenue.pk).update(regie=world.bains_regie)
    world.Leg.objects.filter(account=world.club_revenue).update(regie=world.bains_regie)

    apps = migrator.forward()
    Regie = apps.get_model("wallet", "Regie")
    Account = apps.get_model("wallet", "LedgerAccount")
    Leg = apps.get_model("wallet", "Leg")
    CardPayment = apps.get_model("wallet", "CardPayment")
    assert Account.objects.get(pk=world.club_revenue.pk).regie_id == world.bains_regie.pk
    assert Leg.objects.get(account_id=world.club_revenue.pk).regie_id == world.bains_regie.pk
    before = {
        "régies": list(Regie.objects.values_list("pk", "code")),
        "links": list(apps.get_model("wallet", "ServiceRegie").objects.values_list()),
        "accounts": list(Account.objects.values_list("pk", "regie_id").order_by("pk")),
        "legs": list(Leg.objects.values_list("pk", "regie_id").order_by("pk")),
        "payments": list(CardPayment.objects.values_list("pk", "regie_id").order_by("pk")),
    }

    migration_0006.attach_existing_services(apps, None)

    after = {
        "régies": list(Regie.objects.values_list("pk", "code")),
        "links": list(apps.get_model("wallet", "ServiceRegie").objects.values_list()),
        "accounts": list(Account.objects.values_list("pk", "regie_id").order_by("pk")),
        "legs": list(Leg.objects.values_list("pk", "regie_id").order_by("pk")),
        "payments": list(CardPayment.objects.values_list("pk", "regie_id").order_by("pk")),
    }
    assert after == before


def test_an_empty_database_gets_no_regie(migrator):
    apps = migrator.forward()

    assert not apps.get_model("wallet", "Regie").objects.exists()
    assert not apps.get_model("wallet", "PaymentBackendAccount").objects.exists()
