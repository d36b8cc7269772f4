"""The wallet movement of a cancelled meal names the child as French writes it: "du repas
d'Alice", "du repas de Léa"."""

from datetime import date

import pytest

from reservations.bookings import _refund_reason


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Alice", "Annulation du repas d'Alice du 12/03/2030"),
        ("Émile", "Annulation du repas d'Émile du 12/03/2030"),
        ("Hugo", "Annulation du repas d'Hugo du 12/03/2030"),
        ("Yanis", "Annulation du repas d'Yanis du 12/03/2030"),
        ("Léa", "Annulation du repas de Léa du 12/03/2030"),
        ("", "Annulation du repas de  du 12/03/2030"),
    ],
)
def test_the_refund_reason_elides_de_before_a_vowel(name, reason):
    assert _refund_reason(name, date(2030, 3, 12)) == reason
