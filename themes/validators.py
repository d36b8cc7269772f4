"""Validators of a theme's colours, with the French messages the Wagtail admin shows."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .rules import MIN_TEXT_CONTRAST, contrast_with_white, is_hex_colour


def validate_hex_colour(value: str) -> None:
    if not is_hex_colour(value):
        raise ValidationError(
            _("Saisissez une couleur au format #RRVVBB, par exemple #1d4e89."),
            code="invalid_colour",
        )


def validate_text_contrast_with_white(value: str) -> None:
    """White text must stay readable on the colour (WCAG 2.1 AA, RGAA criterion 3.2)."""
    if not is_hex_colour(value):
        return  # validate_hex_colour reports it
    ratio = contrast_with_white(value)
    if ratio < MIN_TEXT_CONTRAST:
        raise ValidationError(
            _(
                "Cette couleur est trop claire : le texte blanc posé dessus n'aurait qu'un "
                "contraste de %(ratio)s:1, il faut au moins %(minimum)s:1 pour qu'il reste "
                "lisible (accessibilité, RGAA). Choisissez une teinte plus foncée."
            ),
            code="low_contrast",
            params={
                "ratio": f"{ratio:.2f}".replace(".", ","),
                "minimum": f"{MIN_TEXT_CONTRAST:g}".replace(".", ","),
            },
        )
