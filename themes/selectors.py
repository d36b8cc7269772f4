"""Read queries of themes: the current site's theme and its logo renditions."""

from wagtail.models import Site

from .models import ThemeSettings

# The sizes a front end asks for: a header logo, and the same at twice the density.
LOGO_RENDITIONS = ("max-400x200", "max-800x400")


def theme_for_request(request) -> ThemeSettings | None:
    """The theme of the site answering `request` (by host, or the default site); an unsaved
    theme with the default colours when the site has none yet; None when no site matches."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    # Not for_site(): its get_or_create would write on a GET.
    theme = ThemeSettings.base_queryset().filter(site=site).first()
    return theme or ThemeSettings(site=site)


def logo_renditions(theme: ThemeSettings) -> dict:
    """{filter spec: rendition} of the theme's logo, fetched (or generated) in one go."""
    if theme.logo is None:
        return {}
    return theme.logo.get_renditions(*LOGO_RENDITIONS)
