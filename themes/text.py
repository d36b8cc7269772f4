"""French typography the catalogue cannot do alone: "de" before a name starting with a vowel
or a mute h is elided ("d'Alice", "d'Aiguilhe", "d'Hugo"), "de Rosières" stays. A message
written "… de %(name)s" reads right whatever the name once passed through `elide`, in French
only: other languages are left as they are."""

import re

from django.utils.translation import get_language

from reservations.french import ELIDING_INITIALS

# "de"/"De" then a word whose initial elides it (reservations/french.py: the one rule).
_DE_BEFORE_VOWEL = re.compile(rf"\b([Dd])e (?=[{ELIDING_INITIALS}])")


def elide(text: str) -> str:
    if not (get_language() or "fr").startswith("fr"):
        return text
    return _DE_BEFORE_VOWEL.sub(r"\1'", str(text))
