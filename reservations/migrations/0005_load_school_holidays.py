"""Load the school holidays of zones A, B and C for 2025–2026 and 2026–2027, shipped in
reservations/data/school_holidays.json. Rows already there (an agent may have corrected them)
are left as they are."""

import datetime
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "school_holidays.json"


def _holidays():
    with DATA.open(encoding="utf-8") as file:
        for row in json.load(file)["holidays"]:
            yield (
                row["zone"],
                row["name"],
                datetime.date.fromisoformat(row["start"]),
                datetime.date.fromisoformat(row["end"]),
            )


def load(apps, schema_editor):
    SchoolHoliday = apps.get_model("reservations", "SchoolHoliday")
    SchoolHoliday.objects.bulk_create(
        [
            SchoolHoliday(zone=zone, name=name, start=start, end=end)
            for zone, name, start, end in _holidays()
        ],
        ignore_conflicts=True,  # one per (zone, start): keep what is already there
    )


def unload(apps, schema_editor):
    SchoolHoliday = apps.get_model("reservations", "SchoolHoliday")
    for zone, _name, start, _end in _holidays():
        SchoolHoliday.objects.filter(zone=zone, start=start).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("reservations", "0004_calendars_and_tariffs"),
    ]

    operations = [migrations.RunPython(load, unload)]
