"""French typography the catalogue cannot do alone: "de" is elided before a word starting with
a vowel or a mute h ("d'Alice", "d'Aiguilhe", "d'Hugo"), not before others ("de Rosières").
The one rule for every message that names a child or a commune (themes/text.py applies it to
whole texts)."""

# Vowels in either case; a capital H only: first names and communes with an h are nearly all
# mute (Hugo, Hélène, Hauteville), while "de haricots" keeps its "de".
ELIDING_INITIALS = "aâàäeéèêëiîïoôöuùûüyAÂÀÄEÉÈÊËIÎÏOÔÖUÙÛÜYH"


def elides(word: str) -> bool:
    """Whether French writes "d'" rather than "de" before `word`."""
    return bool(word) and word[0] in ELIDING_INITIALS
