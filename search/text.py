"""Text helpers of search, pure functions: accent folding, plain text from HTML, the snippet
shown under a result and the "exact title" test that ranks a result first."""

import re
import unicodedata
from html import unescape

from django.utils.html import strip_tags

WHITESPACE = re.compile(r"\s+")
SNIPPET_LENGTH = 160
# A query word not found as typed is looked for by ever shorter prefixes, down to this length:
# the full-text search matched it by its stem ("cantines" finds "cantine").
MIN_PREFIX = 4


def fold(text: str) -> str:
    """Lower-case `text` without accents, one character for one, so that positions found in the
    folded text are positions in the original ("Rosières" → "rosieres")."""
    folded = []
    for char in text:
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        if len(base) != 1:  # "œ", "ﬁ", "İ": keep one character, lower-cased when possible
            base = char.lower() if len(char.lower()) == 1 else char
        folded.append(base)
    return "".join(folded)


def plain_text(value) -> str:
    """Plain text of a field value: HTML tags dropped, entities decoded, blanks collapsed. Lists
    (a StreamField's searchable content) are joined."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(filter(None, (plain_text(item) for item in value)))
    text = unescape(strip_tags(str(value)))
    return WHITESPACE.sub(" ", text).strip()


def normalise(text: str) -> str:
    return WHITESPACE.sub(" ", fold(text)).strip()


def is_exact_title(title: str, query: str) -> bool:
    """The query is the title itself, whatever the case, accents and blanks."""
    return normalise(title) == normalise(query)


def first_match(text: str, query: str) -> int | None:
    """Position in `text` of the earliest query word (or, failing that, of its longest prefix of
    at least MIN_PREFIX letters); None when no word is found."""
    folded = fold(text)
    positions = []
    for word in normalise(query).split(" "):
        for length in range(len(word), min(MIN_PREFIX, len(word)) - 1, -1):
            position = folded.find(word[:length])
            if position >= 0:
                positions.append(position)
                break
    return min(positions) if positions else None


def snippet(text: str, query: str, length: int = SNIPPET_LENGTH) -> str:
    """A plain-text excerpt of about `length` characters around the first match, cut between
    words, with "…" where the text goes on."""
    text = WHITESPACE.sub(" ", text).strip()
    if len(text) <= length:
        return text
    position = first_match(text, query) or 0
    start = max(0, position - length // 3)
    if start > 0 and text[start - 1] != " ":
        # Start on a word: skip the one cut in half, but never past the match.
        space = text.find(" ", start, position)
        start = space + 1 if space >= 0 else position
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    excerpt = text[start:end].strip()
    return ("…" if start > 0 else "") + excerpt + ("…" if end < len(text) else "")
