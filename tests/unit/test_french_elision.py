"""French elides "de" before a vowel or a mute h, in every message naming a child or a commune;
other languages are left alone."""

import pytest
from django.utils import translation

from themes.text import elide


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Agenda de Alice", "Agenda d'Alice"),
        ("Cantine de Aiguilhe", "Cantine d'Aiguilhe"),
        ("Photo de Hugo", "Photo d'Hugo"),
        ("Le repas de Élodie du 03/12", "Le repas d'Élodie du 03/12"),
        ("Cantine de Rosières", "Cantine de Rosières"),
        (
            "Les informations de Léa sont enregistrées.",
            "Les informations de Léa sont enregistrées.",
        ),
        ("De Alice", "D'Alice"),
        ("un plat de haricots", "un plat de haricots"),
        ("2 repas de 3,30 €", "2 repas de 3,30 €"),
    ],
)
def test_de_is_elided_before_a_vowel_or_a_mute_h_in_french(text, expected):
    with translation.override("fr"):
        assert elide(text) == expected


def test_english_text_is_left_as_written():
    with translation.override("en"):
        assert elide("Calendar of Alice de Aiguilhe") == "Calendar of Alice de Aiguilhe"
