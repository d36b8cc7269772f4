"""The communes of the site a request came through: each Wagtail site is one territory, whose
HomePage holds a CommunePage per commune, linked to the commune's Oscar partner."""

from wagtail.models import Site

from cms.models import CommunePage


def site_commune_ids(request) -> set[int] | None:
    """The partner ids of the communes under the request's site; None when the site has no
    commune page (a bare site, as in some tests), and then nothing is filtered out. One query
    for the site (cached by Wagtail per request), one for its communes."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    ids = set(
        CommunePage.objects.descendant_of(site.root_page)
        .filter(partner__isnull=False)
        .values_list("partner_id", flat=True)
    )
    return ids or None
