"""System accounts stop caching a balance (wallet/ledger.py): theirs is the sum of their legs.
The cached values written so far are cleared, then a constraint keeps them at 0."""

from django.db import migrations, models

POT_KINDS = ["general_pot", "service_pot"]


def clear_system_balances(apps, schema_editor):
    LedgerAccount = apps.get_model("wallet", "LedgerAccount")
    LedgerAccount.objects.exclude(kind__in=POT_KINDS).update(balance=0)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0003_refunds_name_their_order_line")]

    operations = [
        migrations.RunPython(clear_system_balances, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="ledgeraccount",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", POT_KINDS)) | models.Q(("balance", 0)),
                name="wallet_system_account_caches_no_balance",
            ),
        ),
    ]
