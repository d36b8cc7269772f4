"""A wallet movement's reason in the reader's language. The ledger stores each reason as text,
in French for those the platform writes; the parent's statement re-reads the known ones
("Paiement de la commande 100001") and shows them through the catalogue ("Payment of order
100001"). Any other reason (an agent's own words) is shown as written."""

import re

from django.utils.translation import gettext, gettext_noop

# (the stored French form, the msgid that writes it in the page's language)
KNOWN_REASONS = (
    (re.compile(r"^Rechargement du porte-monnaie$"), gettext_noop("Rechargement du porte-monnaie")),
    (
        re.compile(r"^Paiement de la commande (?P<number>\S+)$"),
        gettext_noop("Paiement de la commande %(number)s"),
    ),
    (
        re.compile(r"^Paiement par carte de la commande (?P<number>\S+)$"),
        gettext_noop("Paiement par carte de la commande %(number)s"),
    ),
    (
        re.compile(r"^Paiement de la facture (?P<number>\S+)$"),
        gettext_noop("Paiement de la facture %(number)s"),
    ),
    (
        re.compile(r"^Annulation du repas d'(?P<name>.+) du (?P<date>[\d/]+)$"),
        gettext_noop("Annulation du repas d'%(name)s du %(date)s"),
    ),
    (
        re.compile(r"^Annulation du repas de (?P<name>.+) du (?P<date>[\d/]+)$"),
        gettext_noop("Annulation du repas de %(name)s du %(date)s"),
    ),
)


def reason_in_language(reason: str) -> str:
    for pattern, msgid in KNOWN_REASONS:
        match = pattern.match(reason or "")
        if match:
            return gettext(msgid) % match.groupdict()
    return reason
