"""Replay a sequence of wallet operations and answer every balance as it is stored.

The same sequence runs on PostgreSQL (inside the test) and on SQLite (the embedded default, in a
subprocess: `python -m tests.ledger_replay`, one JSON sequence per line on stdin, one JSON answer
per line on stdout). Each replay runs in a transaction rolled back at its end, so every sequence
starts from the same empty ledger. Balances and legs are read with raw SQL, as the database stores
them: the ORM rounds what it reads to the cent and would hide a floating-point drift."""

import json
import os
import sys
from collections import defaultdict
from decimal import Decimal

OPERATIONS = ("top_up", "pay", "pay_all", "refund", "closure")


class _Rollback(Exception):
    pass


def replay(operations: list[dict]) -> dict:
    """Run `operations` on the current database and return what each did and every balance.

    Operations (amounts are strings in euros): `top_up` {amount}; `pay` {charges: [[service,
    amount], …], partial}; `pay_all` {service}: the whole of that service's pot and the general
    pot, the case that must bring both to exactly zero; `refund` {service, amount}; `closure`
    {service, amounts}: a day closed, each meal's price refunded in one transaction."""
    from django.db import transaction

    answer = {}
    try:
        with transaction.atomic():
            answer = _replay(operations)
            raise _Rollback
    except _Rollback:
        pass
    return answer


def _replay(operations):
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from oscar.core.loading import get_model

    from wallet import integrity, ledger
    from wallet.exceptions import InsufficientFundsError

    partner_model = get_model("partner", "Partner")
    product_class_model = get_model("catalogue", "ProductClass")
    product_model = get_model("catalogue", "Product")

    parent = get_user_model().objects.create(email="replay@example.org")
    product_class = product_class_model.objects.create(name="Service communal (replay)")
    communes = [partner_model.objects.create(name=f"Commune {i}") for i in range(2)]
    services = [
        product_model.objects.create(title=f"Cantine {i}", product_class=product_class)
        for i in range(2)
    ]
    from wallet.regies import attach_service_to_commune_regie

    for service, commune in zip(services, communes, strict=True):
        attach_service_to_commune_regie(service, commune)

    def commune_of(index):
        return communes[index].pk

    outcomes = []
    for step, operation in enumerate(operations):
        kind = operation["op"]
        key = f"replay:{step}"
        try:
            with transaction.atomic():
                if kind == "top_up":
                    ledger.credit_top_up(
                        parent, Decimal(operation["amount"]), reference=key, idempotency_key=key
                    )
                elif kind in ("pay", "pay_all"):
                    if kind == "pay":
                        charges = [
                            ledger.Charge(services[i].pk, commune_of(i), Decimal(amount))
                            for i, amount in operation["charges"]
                        ]
                    else:
                        i = operation["service"]
                        pot = ledger.service_pot(parent, services[i].pk, commune_of(i))
                        whole = pot.balance + ledger.general_pot(parent).balance
                        if not whole:
                            outcomes.append("nothing")
                            continue
                        charges = [ledger.Charge(services[i].pk, commune_of(i), whole)]
                    ledger.pay_from_wallet(
                        parent,
                        charges,
                        reference=key,
                        idempotency_key=key,
                        allow_partial=operation.get("partial", False),
                    )
                else:
                    i = operation["service"]
                    amounts = [operation["amount"]] if kind == "refund" else operation["amounts"]
                    for n, amount in enumerate(amounts):
                        ledger.refund_to_service_pot(
                            parent,
                            service_id=services[i].pk,
                            commune_id=commune_of(i),
                            amount=Decimal(amount),
                            reason="Annulation",
                            reference=key,
                            idempotency_key=f"{key}:{n}",
                        )
            outcomes.append("ok")
        except InsufficientFundsError:
            outcomes.append("insufficient")
    return {
        "outcomes": outcomes,
        "accounts": _stored_accounts(parent, services),
        "integrity_ok": integrity.check_ledger().ok,
    }


def _stored_accounts(parent, services) -> dict[str, dict[str, str]]:
    """Each account, named the same way on both databases, with its stored balance and the sum
    of its stored legs, both exact decimals of what the database holds."""
    from django.db import connection

    names = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, kind, owner_id, service_id, balance FROM wallet_ledgeraccount")
        balances = {}
        for pk, kind, owner_id, service_id, balance in cursor.fetchall():
            service = next((i for i, s in enumerate(services) if s.pk == service_id), "-")
            names[pk] = f"{kind}:{service}:{'parent' if owner_id == parent.pk else '-'}"
            balances[pk] = _exact(balance)
        cursor.execute("SELECT account_id, amount FROM wallet_leg")
        sums = defaultdict(Decimal)
        for account_id, amount in cursor.fetchall():
            sums[account_id] += _exact(amount)
    return {
        names[pk]: {"balance": str(balances[pk]), "legs": str(sums[pk])} for pk in sorted(names)
    }


def _exact(value) -> Decimal:
    """The stored value as a Decimal, digit for digit: SQLite hands back floats, whose shortest
    representation shows a drift (2.3999999999999995 where 2.4 was meant)."""
    return Decimal(str(value))


def model_check_warnings() -> dict:
    """The system checks of the models against this database (`check --database default`)."""
    from django.core import checks

    return {"ids": sorted({message.id for message in checks.run_checks(databases=["default"])})}


def duplicate_tariff_rows() -> dict:
    """Whether the database itself refuses a second open-ended row for the same bracket."""
    from django.db import IntegrityError, transaction
    from oscar.core.loading import get_model

    from reservations.models import TariffGrid, TariffRow

    product_model = get_model("catalogue", "Product")
    product_class_model = get_model("catalogue", "ProductClass")
    answer = {}
    try:
        with transaction.atomic():
            service = product_model.objects.create(
                title="Cantine",
                structure="parent",
                product_class=product_class_model.objects.create(name="Service (tarifs)"),
            )
            grid = TariffGrid.objects.create(service=service)
            row = {"grid": grid, "category": "child", "unit_price": Decimal("3.30")}
            TariffRow.objects.create(**row)
            try:
                with transaction.atomic():
                    TariffRow.objects.create(**row)
                answer = {"refused": False}
            except IntegrityError as error:
                answer = {"refused": True, "error": str(error)}
            raise _Rollback
    except _Rollback:
        pass
    return answer


COMMANDS = {"check": model_check_warnings, "duplicate_tariff_rows": duplicate_tariff_rows}


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sqlite_settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    # One schema per database file: the test session starts one process on a fresh file.
    if "wallet_ledgeraccount" not in connection.introspection.table_names():
        call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if isinstance(request, dict):
                answer = COMMANDS[request["command"]]()
            else:
                answer = replay(request)
        except Exception as error:  # noqa: BLE001 - answered to the test, which fails on it
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
