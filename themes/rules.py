"""Colour rules for a theme, pure functions: WCAG 2 contrast between a colour and white.

A primary colour carries white text (buttons, the header), so it must reach the 4.5:1 contrast
that WCAG 2.1 level AA (and the French RGAA) ask of normal-size text."""

import re

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = "#ffffff"
MIN_TEXT_CONTRAST = 4.5


def is_hex_colour(value: str) -> bool:
    return bool(HEX_COLOUR.match(value or ""))


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB colour, from 0 (black) to 1 (white)."""
    channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_with_white(colour: str) -> float:
    return contrast_ratio(colour, WHITE)
