"""The Oscar product options a meal line carries: who eats, on which day, and the frozen price
with its explanation (reservations/pricing.py)."""

from django.db import migrations

OPTIONS = (
    ("beneficiary", "Bénéficiaire"),
    ("date", "Date du repas"),
    ("price_explanation", "Détail du prix"),
)


def create_options(apps, schema_editor):
    Option = apps.get_model("catalogue", "Option")
    for code, name in OPTIONS:
        Option.objects.update_or_create(
            code=code, defaults={"name": name, "type": "text", "required": False}
        )


def remove_options(apps, schema_editor):
    Option = apps.get_model("catalogue", "Option")
    Option.objects.filter(code__in=[code for code, _ in OPTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0032_category_exclude_from_menu_category_long_description"),
        ("reservations", "0006_bookings"),
    ]

    operations = [migrations.RunPython(create_options, remove_options)]
