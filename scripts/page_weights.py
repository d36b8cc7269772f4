"""Page weights: the bytes each page of the parent front end loads on a first visit (cold cache),
by kind of resource, measured in headless Chromium (Debian's package) with the helper of the
browser tests (tests/e2e/helpers.py: page_weight).

    make run                                   # in another terminal: the demo on :8000
    .venv/bin/python scripts/page_weights.py [--base-url http://127.0.0.1:8000] [--width 360]

It loads the public pages anonymously, then logs in as the demo parent (claire.martin@example.org,
through POST /api/login/) and loads the parent's space. Sizes are decoded bodies (uncompressed),
the stricter measure; the issue's budget is 300 KB (307,200 bytes) per page. It prints one row per
page (HTML, CSS, JS, images, fonts, other, total) and exits 1 when a page is over the budget, does
not answer 200 or loads a resource that answers an error.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.helpers import (  # noqa: E402
    PAGE_WEIGHT_BUDGET,
    api_log_in,
    launch_chromium,
    page_weight,
    weights_table,
)

PUBLIC_PAGES = ["/", "/connexion/", "/inscription/"]
PARENT_PAGES = [
    "/espace/",
    "/espace/filiations/",
    "/espace/services/",
    "/espace/reserver/",
    "/espace/panier/",
    "/espace/porte-monnaie/",
    "/espace/reservations/",
    "/espace/commandes/",
]
PARENT_EMAIL = "claire.martin@example.org"
PARENT_PASSWORD = "Portail-Demo-2026!"  # config.demo.DEMO_PASSWORD


def measure(browser, base_url: str, paths: list[str], width: int, *, log_in: bool) -> list:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, base_url=base_url, locale="fr-FR"
    )
    try:
        if log_in:
            api_log_in(context, base_url, PARENT_EMAIL, PARENT_PASSWORD)
        page = context.new_page()
        page.goto(base_url)  # page_weight copies this context's cookies into a cold one
        rows = []
        for path in paths:
            weight = page_weight(page, base_url.rstrip("/") + path, label=path)
            rows.append((path, weight))
        return rows
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--width", type=int, default=360, help="viewport width in px")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every resource")
    args = parser.parse_args(argv)

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            rows = measure(browser, args.base_url, PUBLIC_PAGES, args.width, log_in=False)
            rows += measure(browser, args.base_url, PARENT_PAGES, args.width, log_in=True)
        finally:
            browser.close()

    print(f"Bytes loaded on a first visit at {args.width}px ({args.base_url}):")
    for line in weights_table(rows):
        print(line)
    problems = []
    for path, weight in rows:
        if args.verbose:
            print(weight.describe())
        if weight.status != 200:
            problems.append(f"{path} answered {weight.status}")
        problems += [f"{path}: {failure}" for failure in weight.failed]
        if weight.total >= PAGE_WEIGHT_BUDGET:
            problems.append(f"{path} weighs {weight.total} bytes (budget {PAGE_WEIGHT_BUDGET})")
    for problem in problems:
        print(f"! {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
