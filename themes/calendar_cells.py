"""The meals of one day of the booking calendar, as HTML, rendered in Python.

A six-child month has some 120 of these cells; written in the template, each cost a dozen
template nodes and three `{% translate %}`, a large part of the page's server time. Here each
day's cells are one f-string join, every value escaped with `escape` as `{{ }}` would (plain
`html.escape`: `format_html` costs more than the template did), and each repeated text is
translated once per page (`CellTexts`). The markup is the one the template had."""

from dataclasses import dataclass
from html import escape

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reservations.month import BOOKABLE, BOOKED, CLOSED, FULL, IN_BASKET, LOCKED

SYMBOLS = {IN_BASKET: "●", BOOKED: "✓", LOCKED: "✕", FULL: "⊘"}  # else "—"
PRICED_STATES = {IN_BASKET, BOOKED}  # a price only where it is or will be paid


def text(message: str) -> str:
    """Our own translated text in an element, as `{% translate %}` writes it: apostrophes kept
    (the French has many), only what would open a tag escaped."""
    return escape(message, quote=False)


class CellTexts:
    """The texts every cell repeats, translated once, in the page's language."""

    @cached_property
    def book_the(self) -> str:
        return text(_("Réserver le"))

    @cached_property
    def for_(self) -> str:
        return text(_("pour"))

    @cached_property
    def join_waitlist(self) -> str:
        return text(_("Rejoindre la liste d'attente"))

    @cached_property
    def waitlist_url(self) -> str:
        return escape(reverse("portail:waitlist_join"))

    def for_name_on(self, name: str, day: str) -> str:
        # As {% blocktranslate %}: the message as it is, its values escaped.
        return text(_("pour %(name)s, %(day)s")) % {"name": escape(name), "day": escape(day)}


@dataclass
class MealsOfDay:
    """`day` (a calendar_grid.GridDay) rendered with `texts`, shared by the page's days."""

    day: object
    texts: CellTexts

    def html(self) -> SafeString:
        # The spaces stand where the template had line breaks: inline elements keep theirs.
        items = "".join(self._item(cell) for cell in self.day.cells)
        return mark_safe(f'<ul class="meals">{items}</ul>')  # every part escaped above

    def _item(self, cell) -> str:
        state = cell.day.state
        body = self._bookable(cell) if state == BOOKABLE else self._shown(cell)
        errors = "".join(
            f'<p class="field__error" id="{cell.field_id}-error">{escape(str(error))}</p>'
            for error in cell.errors
        )
        error_class = " meal--error" if cell.errors else ""
        return f'<li class="meal meal--{state}{error_class}">{body} {errors}</li>'

    def _bookable(self, cell) -> str:
        day, texts = self.day, self.texts
        described_by = f"limite-{day.iso}" + (f" {cell.field_id}-error" if cell.errors else "")
        checked = " checked" if cell.checked else ""
        price = f' data-price="{cell.day.price}"' if cell.price else ""
        invalid = ' aria-invalid="true"' if cell.errors else ""
        return (
            f'<input type="checkbox" name="repas" value="{cell.value}" id="{cell.field_id}"'
            f'{checked}{price} aria-describedby="{described_by}"{invalid} data-day> '
            f'<label for="{cell.field_id}"><span class="visually-hidden">{texts.book_the} '
            f"{escape(day.long_name)} {texts.for_} </span>"
            f'<span class="meal__name">{escape(cell.beneficiary["name"])}</span>'
            f"{self._price(cell, ' ')}</label>"
        )

    def _shown(self, cell) -> str:
        state = cell.day.state
        reason = f" ({escape(cell.day.reason)})" if state == CLOSED and cell.day.reason else ""
        parts = [
            f'<span class="state state--{state}" aria-hidden="true">{SYMBOLS.get(state, "—")}'
            f'</span> <span class="meal__name">{escape(cell.beneficiary["name"])}</span>'
            f'<span class="visually-hidden">,</span> '
            f'<span class="meal__state">{escape(str(cell.label))}</span>{reason}'
        ]
        if state == FULL:
            parts.append(self._waitlist_button(cell))
        if state in PRICED_STATES:
            parts.append(self._price(cell))
        return " ".join(parts)

    def _waitlist_button(self, cell) -> str:
        texts = self.texts
        hidden = texts.for_name_on(cell.beneficiary["name"], self.day.long_name)
        return (
            f'<button type="submit" formaction="{texts.waitlist_url}" formnovalidate '
            f'name="attente" value="{cell.value}" class="button button--small button--secondary">'
            f'{texts.join_waitlist}<span class="visually-hidden"> {hidden}</span></button>'
        )

    @staticmethod
    def _price(cell, before: str = "") -> str:
        if not cell.price:
            return ""
        reason = (
            f'<span class="price-reason"> · {escape(cell.price_reason)}</span>'
            if cell.price_reason
            else ""
        )
        return f'{before}<span class="amount">{escape(cell.price)}</span>{reason}'
