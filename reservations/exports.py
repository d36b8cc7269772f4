"""Spreadsheet exports that are safe to open: what a family typed (a child's name, a PAI note)
must never run as a formula in the agent's Excel or LibreOffice (CSV injection, per OWASP)."""

import csv

# A cell starting with one of these is read as a formula (or, for tab and carriage return, lets
# one through once the spreadsheet trims them).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value) -> str:
    """The cell as text, with a leading quote when a spreadsheet would read it as a formula: the
    quote shows the text as typed and is not displayed by Excel."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return f"'{text}"
    return text


class SafeCSVWriter:
    """`csv.writer` whose every cell goes through `neutralise_formula`."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row):
        return self._writer.writerow([neutralise_formula(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
