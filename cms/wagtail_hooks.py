"""Wagtail admin hooks of our page models."""

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_global_admin_js")
def accessible_editors():
    """Names the rich text editors by their field's label and makes the minimap's list
    focusable: Wagtail's admin leaves both to axe-core's serious violations."""
    return format_html('<script src="{}"></script>', static("cms/admin_accessibility.js"))
