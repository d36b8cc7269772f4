"""Production: everything comes from the environment, and missing secrets stop the start."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import env_bool, env_list, env_required, env_str

DEBUG = False
SECRET_KEY = env_required("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("The environment variable ALLOWED_HOSTS must be set in production.")

# The registration, reset and password throttles count in the default cache (base.py makes it
# Redis when REDIS_URL is set): in each gunicorn worker's own memory, every limit would be
# multiplied by the number of workers and nodes.
if not REDIS_URL:  # noqa: F405
    raise ImproperlyConfigured(
        "The environment variable REDIS_URL must be set in production: rate limits are counted "
        "in this shared cache (redis://host:6379/1), not in each worker's memory."
    )

# Every request reads its session: from that shared cache, written through to the database (a
# session survives a Redis restart). One query fewer per request than the database alone.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Real card payments: without these the platform would fall back to the offline test gateway,
# whose "payments" credit wallets without charging any card.
STRIPE_SECRET_KEY = env_required("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_required("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_required("STRIPE_WEBHOOK_SECRET")
# Who hears about ledger integrity errors and server errors: "Name <e-mail>, Name <e-mail>".
ADMINS = [
    (address.split("<")[0].strip(), address.split("<")[-1].rstrip(">").strip())
    for address in env_list("ADMINS")
]

# Behind one TLS-terminating proxy that sets X-Forwarded-Proto and X-Forwarded-For: every
# per-address rate limit then reads the client address the proxy saw, not one a client forged.
NUM_PROXIES = int(env_str("NUM_PROXIES", "1"))
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": NUM_PROXIES}  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
