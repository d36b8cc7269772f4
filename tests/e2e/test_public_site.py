"""The public pages of the demo sites in Chromium, at 360 and 1280 px: they render, pass axe-core
(no serious or critical violation), weigh under 300 KB on a first load, and each demo site shows
its own name, logo and primary colour."""

import pytest

from themes.demo import DEMO_THEMES

from .helpers import PAGE_WEIGHT_BUDGET, assert_accessible, page_weight, screenshot

PUBLIC_PAGES = {
    "home": "/",
    "commune": "/rosieres/",
    "service": "/rosieres/cantine-de-rosieres/",
    "search": "/recherche/?q=cantine",
    "accessibility": "/accessibilite/",
    "login": "/connexion/",
    "register": "/inscription/",
    "forgotten-password": "/mot-de-passe/oublie/",
}


@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_a_public_page_renders_accessible_and_light(page, name):
    path = PUBLIC_PAGES[name]

    response = page.goto(path)

    assert response.status == 200, f"{path} answered {response.status}"
    assert page.locator("h1").first.is_visible(), f"{path} has no visible <h1>"
    screenshot(page, name)
    assert_accessible(page)
    weight = page_weight(page, path)
    assert weight.total < PAGE_WEIGHT_BUDGET, weight.describe()
    assert not weight.failed, weight.describe()


def rgb(hex_colour: str) -> str:
    """'#1d4e89' -> 'rgb(29, 78, 137)', as getComputedStyle spells an opaque colour."""
    value = hex_colour.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def branding(page) -> dict:
    """The header's site name, logo (its URL and whether it loaded) and background colour."""
    return page.evaluate(
        """() => {
            const header = document.querySelector("header");
            const logo = header.querySelector("img");
            return {
                text: header.innerText,
                logo: logo ? logo.currentSrc || logo.src : null,
                logoLoaded: logo ? logo.complete && logo.naturalWidth > 0 : false,
                background: getComputedStyle(header).backgroundColor,
            };
        }"""
    )


def test_each_demo_site_shows_its_own_name_logo_and_colour(page, site):
    urls = {"127.0.0.1": site.puy_url, "dombes.localhost": site.dombes_url}
    seen = {}
    for theme in DEMO_THEMES:
        response = page.goto(urls[theme.hostname] + "/")
        assert response.status == 200
        page.wait_for_load_state("load")
        screenshot(page, f"theme-{theme.hostname}")
        shown = branding(page)

        assert theme.name in shown["text"], shown["text"]
        assert shown["logo"], f"no logo in the header of {theme.hostname}"
        assert shown["logoLoaded"], f"the logo {shown['logo']} did not load"
        assert shown["background"] == rgb(theme.primary), (theme.hostname, shown["background"])
        seen[theme.hostname] = shown

    puy, dombes = seen["127.0.0.1"], seen["dombes.localhost"]
    assert puy["logo"] != dombes["logo"]
    assert puy["background"] != dombes["background"]
