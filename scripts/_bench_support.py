"""What the benchmarks share: a PostgreSQL database of their own, percentiles, and a world of
canteens and validated families seeded through the real use cases (accounts.services,
reservations.beneficiaries and .access, wallet.ledger: no SQL writes money).

Import it after putting the repository root on sys.path; Django is set up by `setup_django`."""

import os
import statistics
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Every seeded parent logs in with it: it passes the password policy.
PASSWORD = "Charge-Portail-2026!"
# Names the benchmarks may drop and recreate: never a database someone works in.
DISPOSABLE_NAME_PARTS = ("bench", "load")


# --- Database ---------------------------------------------------------------------------------


def prepare_database(url: str, *, reuse: bool) -> str:
    """Create the database (dropped first unless `reuse`); returns its name."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = config["NAME"]
    disposable = any(part in name for part in DISPOSABLE_NAME_PARTS)
    if config["ENGINE"] != "django.db.backends.postgresql" or not disposable:
        sys.exit(f"Refusing to use {name!r}: a PostgreSQL database named like *load* or *bench*.")
    with psycopg.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    ) as admin:
        if not reuse:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    return name


def setup_django(settings_module: str) -> None:
    """Django on the settings given, the database migrated."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- Statistics -------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` percentile (0.95 for p95), interpolated between the closest samples."""
    if not values:
        raise ValueError("no sample")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


# --- The world: canteens and families ----------------------------------------------------------

# (family quotient from, below, sibling rank, price of a child's meal)
GRID = (
    (None, Decimal("700"), 1, Decimal("1.50")),
    (Decimal("700"), None, 1, Decimal("3.30")),
    (None, Decimal("700"), 2, Decimal("1.20")),
    (Decimal("700"), None, 2, Decimal("2.90")),
    (None, Decimal("700"), 3, Decimal("1.00")),
    (Decimal("700"), None, 3, Decimal("2.50")),
)
# Reference tax incomes, with 2 tax shares: quotients of 500 € and 1 250 € a month.
TAX_INCOMES = (Decimal("12000"), Decimal("30000"))
BIRTH_YEARS_AGO = (9, 7, 5)  # eldest first: CE2, CP, MS
SCHOOL_CLASSES = ("CE2", "CP", "MS")
# The options a meal line carries, as config/demo.py puts them on the service class.
MEAL_OPTION_CODES = ("beneficiary", "date", "price_explanation")


@dataclass(frozen=True)
class SeededParent:
    email: str
    service_id: int
    beneficiary_ids: tuple[int, ...]


def seed_canteens(count: int, *, label: str, capacity: int | None, today: date) -> list:
    """`count` communes with one canteen each: open Monday, Tuesday, Thursday and Friday for a
    year from `today`, a tariff grid by family quotient and sibling rank, no document asked.
    Returns the services (Oscar parent products)."""
    from oscar.core.loading import get_model

    from config import demo
    from reservations.models import (
        AccessRequirements,
        OpeningPeriod,
        ServiceCalendar,
        TariffGrid,
        TariffRow,
    )

    product_model = get_model("catalogue", "Product")
    option_model = get_model("catalogue", "Option")
    product_class = demo.seed_service_class()
    product_class.options.add(*option_model.objects.filter(code__in=MEAL_OPTION_CODES))
    meal = demo.TariffOption("enfants", "Repas enfant", Decimal("3.30"))
    services = []
    for index in range(count):
        commune = demo.Commune(f"{label}-{index}", f"Commune {label} {index}", ())
        canteen = demo.CommuneService("cantine", f"Cantine {label} {index}", (meal,))
        demo.seed_service(commune, canteen, demo.seed_partner(commune), product_class)
        service = product_model.objects.get(upc=demo.service_upc(commune, canteen))
        # The families' tax figures are on file: the benchmark asks for no document.
        AccessRequirements.objects.filter(tariff_option__parent=service).update(
            required_documents=[], requires_tax_figures=False
        )
        calendar = ServiceCalendar.objects.create(
            service=service, open_weekdays=[1, 2, 4, 5], daily_capacity=capacity
        )
        OpeningPeriod.objects.create(
            calendar=calendar, start=today, end=today + timedelta(days=365), label="Un an"
        )
        grid = TariffGrid.objects.create(service=service)
        TariffRow.objects.bulk_create(
            TariffRow(
                grid=grid,
                category="child",
                family_quotient_min=low,
                family_quotient_max=high,
                sibling_rank=rank,
                unit_price=price,
            )
            for low, high, rank, price in GRID
        )
        services.append(service)
    return services


def seed_families(
    services, count: int, *, label: str, wallet: Decimal, today: date, start: int = 0
) -> list[SeededParent]:
    """Parents number `start` to `count - 1`, validated, spread over the services in turn,
    with 1 to 3 children whose access is accepted and `wallet` euros in their general pot."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    email = f"admin-{label}@load.test"
    admin = users.filter(email=email).first() or users.create_superuser(email, PASSWORD)
    options = {service.pk: service.children.get() for service in services}
    families = []
    for index in range(start, count):
        service = services[index % len(services)]
        families.append(
            seed_family(index, options[service.pk], label=label, admin=admin, today=today)
        )
        top_up(users.get(email=families[-1].email), wallet, key=f"{label}-seed")
    return families


def seed_family(index, option, *, label, admin, today, child_count=None) -> SeededParent:
    """Parent number `index`, validated, with `child_count` children (1 to 3 by `index` when not
    given; beyond three, the ages and classes come round again) whose access to `option` is
    accepted."""
    from django.db import transaction

    from accounts.services import register_account, validate_account
    from reservations.access import accept_access, request_access
    from reservations.beneficiaries import create_beneficiary
    from reservations.models import Relation

    with transaction.atomic():
        parent = register_account(
            email=f"parent-{label}-{index}@load.test",
            password=PASSWORD,
            first_name="Camille",
            last_name=f"Charge {index}",
            terms_accepted=True,
        )
        validate_account(parent, validated_by=admin)
        children = [
            create_beneficiary(
                account=parent,
                first_name=f"Enfant {rank + 1}",
                last_name=f"Charge {index}",
                birth_date=today.replace(year=today.year - BIRTH_YEARS_AGO[rank % 3], day=1),
                relation=Relation.MOTHER,
                school_class=SCHOOL_CLASSES[rank % 3],
            )
            for rank in range(1 + index % 3 if child_count is None else child_count)
        ]
        access = request_access(
            account=parent,
            tariff_option=option,
            beneficiaries=children,
            documents={},
            reference_tax_income=TAX_INCOMES[index % len(TAX_INCOMES)],
            tax_shares=Decimal("2"),
        )
        accept_access(access, tariff_bracket="Selon le quotient familial", by=admin)
    return SeededParent(parent.email, option.parent_id, tuple(child.pk for child in children))


def top_up(parent, amount: Decimal, *, key: str) -> None:
    """Card money received for the parent's general pot, as a settled top-up records it."""
    from wallet import ledger

    ledger.credit_top_up(parent, amount, reference=key, idempotency_key=f"{key}:top-up:{parent.pk}")
