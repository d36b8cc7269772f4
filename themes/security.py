"""Security headers of every answer: the Content-Security-Policy (django-csp), relaxed under the
back offices' paths, whose pages run inline scripts, and the Permissions-Policy. The card payment
pages alone may load Stripe.js (`stripe_js_page`)."""

from functools import wraps

from csp.middleware import CSPMiddleware
from django.conf import settings

PERMISSIONS_POLICY = "Permissions-Policy"

STRIPE_JS = "https://js.stripe.com"
# Stripe's documented needs for Stripe.js and its card element: the script, its frames (the card
# fields, 3-D Secure) and its API.
STRIPE_JS_CSP = {
    "script-src": [STRIPE_JS],
    "frame-src": [STRIPE_JS, "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}
# Stripe's frames may ask the browser's Payment Request API (Apple Pay, Google Pay).
STRIPE_JS_PERMISSIONS = {"payment": ["self", f'"{STRIPE_JS}"']}


def _is_back_office(request) -> bool:
    return request.path_info.startswith(tuple(settings.BACK_OFFICE_PATH_PREFIXES))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware; under settings.BACK_OFFICE_PATH_PREFIXES the policy a view starts
    from is BACK_OFFICE_CONTENT_SECURITY_POLICY: Wagtail's admin, Oscar's dashboard, Django's
    admin and Swagger UI write inline scripts and styles we do not control."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and _is_back_office(request):
            parts.config = settings.BACK_OFFICE_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts


def permissions_policy(features: dict[str, list[str]]) -> str:
    """The header's value: `camera=(), payment=(self "https://js.stripe.com")`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in features.items())


class PermissionsPolicyMiddleware:
    """settings.PERMISSIONS_POLICY on every answer, with the features a view allowed
    (`response.permissions_policy_update`, set by `stripe_js_page`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if PERMISSIONS_POLICY not in response:
            features = {
                **settings.PERMISSIONS_POLICY,
                **getattr(response, "permissions_policy_update", {}),
            }
            response[PERMISSIONS_POLICY] = permissions_policy(features)
        return response


def stripe_js_page(view):
    """For a page that confirms a card payment with Stripe.js: only these pages may load it,
    frame Stripe and call its API, so that a script injected anywhere else cannot."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        # Added to what the view asked for itself (a bank's page its form posts to).
        response._csp_update = {**STRIPE_JS_CSP, **(getattr(response, "_csp_update", None) or {})}
        response.permissions_policy_update = STRIPE_JS_PERMISSIONS
        return response

    return wrapper
