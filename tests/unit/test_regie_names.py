"""A commune's régie created for it reads as French does: "Régie d'Aiguilhe", "Régie de Bains"."""

import pytest

from wallet.regies import regie_name_of


@pytest.mark.parametrize(
    ("commune", "name"),
    [
        ("Aiguilhe", "Régie d'Aiguilhe"),
        ("Allègre", "Régie d'Allègre"),
        ("Espaly-Saint-Marcel", "Régie d'Espaly-Saint-Marcel"),
        ("Bains", "Régie de Bains"),
        ("Rosières", "Régie de Rosières"),
    ],
)
def test_a_communes_regie_is_named_with_the_french_elision(commune, name):
    assert regie_name_of(commune) == name
