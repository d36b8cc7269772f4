"""No page of the parent's space weighs more than 300 KB of assets on a first load (cold cache),
measured logged in as the demo parent at both widths; pytest prints the table at the end. The
public pages are weighed in test_public_site.py."""

import pytest

from .helpers import PAGE_WEIGHT_BUDGET, api_log_in, page_weight

PARENT = "claire.martin@example.org"
PASSWORD = "Portail-Demo-2026!"
PARENT_PAGES = (
    "/espace/",
    "/espace/informations/",
    "/espace/filiations/",
    "/espace/services/",
    "/espace/reserver/",
    "/espace/panier/",
    "/espace/porte-monnaie/",
    "/espace/reservations/",
    "/espace/reservations/?vue=calendrier",
    "/espace/commandes/",
)


@pytest.fixture
def parent_page(page, site):
    page.goto("/")
    return page


def test_every_page_of_the_parents_space_stays_under_300_kb(parent_page, site):
    api_log_in(parent_page.context, site.url, PARENT, PASSWORD)
    too_heavy, broken = [], []
    for path in PARENT_PAGES:
        weight = page_weight(parent_page, path)
        assert weight.status == 200, f"{path} answered {weight.status}"
        if weight.total >= PAGE_WEIGHT_BUDGET:
            too_heavy.append(weight.describe())
        broken += weight.failed
    assert not too_heavy, "\n".join(too_heavy)
    assert not broken, broken
