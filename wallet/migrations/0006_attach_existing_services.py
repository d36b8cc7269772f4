"""Give a database made before régies its régies: every priced service attached to a régie of
its commune, a platform régie, and the régie of every ledger account, leg and top-up card
payment that has none.

It mirrors wallet/regies.py (attach_service_to_commune_regie, platform_regie, platform_backend)
with the historical models, which have plain managers: the ledger's rows, immutable to the
application, can be updated here. It fills only what is empty, so it changes nothing on a
database whose régies are already set (or on an empty one)."""

from collections import defaultdict

from django.conf import settings
from django.db import migrations

PLATFORM_BACKEND_NAME = "Passerelle de la plateforme"
GENERAL_POT = "general_pot"
SERVICE_REVENUE = "service_revenue"
ADJUSTMENTS = "adjustments"


class Regies:
    """The régies this migration finds or creates, created only when something needs one."""

    def __init__(self, apps):
        self.Regie = apps.get_model("wallet", "Regie")
        self.Backend = apps.get_model("wallet", "PaymentBackendAccount")
        self._backend = None
        self._platform = None
        self._of_commune = {}

    def backend(self):
        if self._backend is None:
            kind = "stripe" if settings.STRIPE_SECRET_KEY else "offline"
            self._backend = (
                self.Backend.objects.filter(name=PLATFORM_BACKEND_NAME, kind=kind).first()
                or self.Backend.objects.create(name=PLATFORM_BACKEND_NAME, kind=kind)
            )
        return self._backend

    def platform(self):
        """The first platform régie, or one created without territory (the demo's seed then
        gives it its territory): a territory's site may still be Wagtail's placeholder."""
        if self._platform is None:
            self._platform = self.Regie.objects.filter(kind="platform").order_by(
                "pk"
            ).first() or self._create(
                code="plateforme", name="Régie de la plateforme", kind="platform", commune=None
            )
        return self._platform

    def of_commune(self, commune):
        """The commune's first services régie, created as "Régie de <commune>" if none."""
        if commune.pk not in self._of_commune:
            self._of_commune[commune.pk] = self.Regie.objects.filter(
                kind="services", commune=commune
            ).order_by("pk").first() or self._create(
                code=(commune.code or f"commune-{commune.pk}")[:24],
                name=f"Régie de {commune.name}",
                kind="services",
                commune=commune,
            )
        return self._of_commune[commune.pk]

    def _create(self, *, code, name, kind, commune):
        base, n = code, 1
        while self.Regie.objects.filter(code=code).exists():
            n += 1
            code = f"{base}-{n}"
        return self.Regie.objects.create(
            code=code, name=name, kind=kind, commune=commune, site=None, backend=self.backend()
        )


def attach_existing_services(apps, schema_editor):
    regies = Regies(apps)
    service_regies = attach_services(apps, regies)
    set_account_regies(apps, regies, service_regies)
    set_leg_regies(apps, regies, service_regies)
    set_top_up_regies(apps, regies)


def attach_services(apps, regies) -> dict[int, int]:
    """Each service priced at a commune (its tariff options' stock records) linked to that
    commune's régie unless linked already; returns every service's régie id."""
    StockRecord = apps.get_model("partner", "StockRecord")
    ServiceRegie = apps.get_model("wallet", "ServiceRegie")
    linked = dict(ServiceRegie.objects.values_list("service_id", "regie_id"))
    records = StockRecord.objects.select_related("product", "partner").order_by("pk")
    for record in records:
        service_id = record.product.parent_id or record.product_id
        if service_id not in linked:
            regie = regies.of_commune(record.partner)
            ServiceRegie.objects.create(service_id=service_id, regie=regie)
            linked[service_id] = regie.pk
    return linked


def set_account_regies(apps, regies, service_regies: dict[int, int]) -> None:
    """A general pot's régie is the platform régie; a service pot's and a service's system
    accounts' the service's; card receipts the platform's (top-ups were their only use); a
    commune's adjustments its commune's régie, the others' the platform's."""
    LedgerAccount = apps.get_model("wallet", "LedgerAccount")
    Partner = apps.get_model("partner", "Partner")
    empty = LedgerAccount.objects.filter(regie__isnull=True)
    for service_id, regie_id in service_regies.items():
        empty.filter(service_id=service_id).update(regie_id=regie_id)
    adjustments = empty.filter(kind=ADJUSTMENTS, service__isnull=True, commune__isnull=False)
    for commune_id in set(adjustments.values_list("commune_id", flat=True)):
        regie = regies.of_commune(Partner.objects.get(pk=commune_id))
        adjustments.filter(commune_id=commune_id).update(regie_id=regie.pk)
    if empty.filter(service__isnull=True).exists():
        empty.filter(service__isnull=True).update(regie_id=regies.platform().pk)


def set_leg_regies(apps, regies, service_regies: dict[int, int]) -> None:
    """A leg on a service's account is the service's régie. A general pot's leg in a purchase
    (or its reversal) is the régie of the service it paid: the transfer's revenue leg of the
    same commune; any other general-pot leg (top-up, adjustment) is the platform régie's. The
    other legs (card receipts, adjustments) take the régie of their transfer's pot legs."""
    Leg = apps.get_model("wallet", "Leg")
    empty = Leg.objects.filter(regie__isnull=True)
    if not empty.exists():
        return
    by_regie = defaultdict(list)
    for service_id, regie_id in service_regies.items():
        by_regie[regie_id].append(service_id)
    for regie_id, service_ids in by_regie.items():
        empty.filter(account__service_id__in=service_ids).update(regie_id=regie_id)

    # (transfer, commune) → the régies of the services whose revenue it credited.
    revenue = defaultdict(set)
    pot_legs = list(
        empty.filter(account__kind=GENERAL_POT).values_list("pk", "transfer_id", "commune_id")
    )
    transfers = {transfer_id for _, transfer_id, _ in pot_legs}
    for transfer_id, commune_id, service_id in Leg.objects.filter(
        transfer_id__in=transfers, account__kind=SERVICE_REVENUE
    ).values_list("transfer_id", "commune_id", "account__service_id"):
        if service_id in service_regies:
            revenue[(transfer_id, commune_id)].add(service_regies[service_id])
    legs_of_regie = defaultdict(list)
    for pk, transfer_id, commune_id in pot_legs:
        # Before régies a commune had one régie: one candidate (the lowest id if ever more).
        candidates = revenue.get((transfer_id, commune_id))
        regie_id = min(candidates) if candidates else regies.platform().pk
        legs_of_regie[regie_id].append(pk)
    for regie_id, pks in legs_of_regie.items():
        Leg.objects.filter(pk__in=pks).update(regie_id=regie_id)

    # What is left: system legs without a service (card receipts, adjustments).
    rest = list(empty.values_list("pk", "transfer_id", "account__regie_id"))
    pot_regies = defaultdict(set)
    for transfer_id, regie_id in Leg.objects.filter(
        transfer_id__in={transfer_id for _, transfer_id, _ in rest},
        account__kind__in=[GENERAL_POT, "service_pot"],
    ).values_list("transfer_id", "regie_id"):
        pot_regies[transfer_id].add(regie_id)
    legs_of_regie = defaultdict(list)
    for pk, transfer_id, account_regie_id in rest:
        candidates = pot_regies.get(transfer_id, set()) - {None}
        regie_id = (
            min(candidates) if len(candidates) == 1 else account_regie_id or regies.platform().pk
        )
        legs_of_regie[regie_id].append(pk)
    for regie_id, pks in legs_of_regie.items():
        Leg.objects.filter(pk__in=pks).update(regie_id=regie_id)


def set_top_up_regies(apps, regies) -> None:
    """A top-up's card payment names the régie that received it, as the régie's reconciliation
    compares its card receipts with them: a credited one, the régie of its card receipts leg;
    one not settled yet, the régie of its owner's general pot (the platform régie if none)."""
    CardPayment = apps.get_model("wallet", "CardPayment")
    Leg = apps.get_model("wallet", "Leg")
    LedgerAccount = apps.get_model("wallet", "LedgerAccount")
    empty = CardPayment.objects.filter(regie__isnull=True, purpose="top_up")
    received = dict(
        Leg.objects.filter(
            transfer_id__in=empty.filter(transfer__isnull=False).values("transfer_id"),
            account__kind="card_receipts",
        ).values_list("transfer_id", "regie_id")
    )
    pots = dict(
        LedgerAccount.objects.filter(
            kind=GENERAL_POT, owner_id__in=empty.values("owner_id")
        ).values_list("owner_id", "regie_id")
    )
    payments_of_regie = defaultdict(list)
    for pk, transfer_id, owner_id in empty.values_list("pk", "transfer_id", "owner_id"):
        regie_id = received.get(transfer_id) or pots.get(owner_id) or regies.platform().pk
        payments_of_regie[regie_id].append(pk)
    for regie_id, pks in payments_of_regie.items():
        CardPayment.objects.filter(pk__in=pks).update(regie_id=regie_id)


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0005_regies"),
        ("partner", "0007_partneraddress_code"),
        ("catalogue", "0032_category_exclude_from_menu_category_long_description"),
    ]

    operations = [
        migrations.RunPython(attach_existing_services, migrations.RunPython.noop, elidable=True),
    ]
