"""What every themed page needs: the current site's branding (name, logo, colours, footer)."""

from django.utils.functional import SimpleLazyObject

from .selectors import logo_renditions, theme_for_request


def theme(request):
    """`theme` (the site's ThemeSettings, default colours when none is saved) and `theme_logo`
    (the header rendition, or None). Lazy, and cached on the request: pages that never show the
    theme (the dashboard, the API) pay no query, the others one."""

    def current_theme():
        if not hasattr(request, "_portail_theme"):
            request._portail_theme = theme_for_request(request)
        return request._portail_theme

    def header_logo():
        current = current_theme()
        return logo_renditions(current).get("max-400x200") if current else None

    return {"theme": SimpleLazyObject(current_theme), "theme_logo": SimpleLazyObject(header_logo)}
