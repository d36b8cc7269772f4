"""Settings shared by every environment; each value that differs per deployment comes from the
environment (see the table in README.md)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403 - Oscar's documented way to get its defaults

from .env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = env_str("SECRET_KEY", "insecure-dev-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", ".localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Our apps first so their templates and translations win over Oscar's and Wagtail's.
    "accounts",
    "config",
    "cms",
    "reservations",
    "reservations.dashboard.apps.FamiliesDashboardConfig",
    "wallet",
    "wallet.dashboard.apps.WalletDashboardConfig",
    "shop.dashboard.bookings.apps.BookingsDashboardConfig",
    "shop.dashboard.receipts.apps.ReceiptsDashboardConfig",
    "billing",
    "billing.dashboard.apps.BillingDashboardConfig",
    "themes",
    "search.apps.PortalSearchConfig",
    # Wagtail
    "wagtail.api.v2",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    # Oscar: the root config is forked to choose which storefront URLs are mounted.
    "shop.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "shop.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    # Oscar's `search` label; our search/ app is labelled `portal_search` to avoid the clash.
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "shop.dashboard.apps.DashboardConfig",  # the home page: shop/FORKS.md
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "shop.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
    "sorl.thumbnail",
    # API
    "rest_framework",
    "oscarapi",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON leave gzipped (a 6-child calendar: 94 KB → 6 KB). Above every middleware
    # that reads or changes the body, so it compresses their final output; below whitenoise,
    # which serves static files already compressed. BREACH (guessing a secret from the size of
    # compressed answers that echo the attacker's input): Django masks the CSRF token anew in
    # each response, and this middleware pads each gzip header with random bytes.
    "django.middleware.gzip.GZipMiddleware",
    # After whitenoise: static files need no policy. Both headers on every other answer.
    "themes.security.ContentSecurityPolicyMiddleware",
    "themes.security.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Below it: its answer is read before SessionMiddleware decides whether to save.
    "accounts.session_expiry.SlidingSessionExpiryMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Oscar's shop screens (products, offers, stock …) answer 404 to a commune's agent.
    "shop.dashboard.scope.ShopScreensForAdministrators",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                # Not Oscar's notifications processor: a COUNT query on every page, for the
                # storefront's account menu (oscar/partials/nav_accounts.html), not served here.
                "oscar.core.context_processors.metadata",
                "themes.context_processors.theme",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Embedded default: an SQLite file under var/. IMMEDIATE transactions take the write lock at
# BEGIN, so two writers queue instead of failing with "database is locked" half-way through.
DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'portail.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", DEFAULT_SQLITE_URL), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "accounts.validators.ContainsDigitValidator"},
    {"NAME": "accounts.validators.ContainsLetterValidator"},
    {"NAME": "accounts.validators.ContainsUppercaseValidator"},
    {"NAME": "accounts.validators.ContainsLowercaseValidator"},
    {"NAME": "accounts.validators.ContainsSpecialCharacterValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# One login page for parents: Oscar's storefront and `login_required` send to the front end's
# (the Oscar dashboard keeps its own /dashboard/login/, Wagtail and Django admin theirs).
LOGIN_URL = "portail:login"
LOGIN_REDIRECT_URL = "/"
# A reset link works once (its token hashes the password and the last login) and for 2 hours; it
# opens the front end's "new password" page ({base_url} is WAGTAILADMIN_BASE_URL).
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60
PASSWORD_RESET_URL_TEMPLATE = "{base_url}/mot-de-passe/nouveau/?uid={uid}&token={token}"

# Sliding 2-hour inactivity timeout (seed 002): every request pushes the expiry forward, to within
# a minute (accounts/session_expiry.py), rather than writing the session row on each request.
SESSION_COOKIE_AGE = 2 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = False

# Proxies in front of the app, each appending to X-Forwarded-For: every rate limit that counts
# per address (django-axes, DRF's throttles, the site's forms) reads the same client address,
# accounts.throttling.client_address. 0 without a proxy (`make run`): REMOTE_ADDR is then the
# visitor's.
NUM_PROXIES = int(env_str("NUM_PROXIES", "0"))

# Login throttling: 5 failures for the same e-mail from the same address lock that pair for 15
# minutes; the account's owner still logs in from anywhere else.
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
# E-mails are logins whatever their case: count "Claire@…" and "claire@…" as one.
AXES_USERNAME_CALLABLE = "accounts.throttling.login_name"
AXES_VERBOSE = False

# --- Security headers (themes/security.py) --------------------------------------------------
# The parent site and the API: scripts from our own static files only; the one inline <style>
# (the site's colours, themes/layout.html) carries the request's nonce. The card payment pages
# add Stripe.js (themes.security.stripe_js_page).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        # data: for the empty favicon of themes/layout.html.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Wagtail's admin, Oscar's dashboard and storefront, Django's admin and Swagger UI write inline
# scripts and styles: their pages get this policy instead, still closed to other origins,
# plugins and framing by another site (Wagtail's preview frames the admin's own pages).
BACK_OFFICE_PATH_PREFIXES = ["/cms/", "/dashboard/", "/django-admin/", "/shop/", "/api/docs/"]
BACK_OFFICE_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}
# No page uses these; a card payment page allows `payment` for Stripe's frames.
PERMISSIONS_POLICY = {"camera": [], "microphone": [], "geolocation": [], "payment": [], "usb": []}
# Wagtail's admin would send each editor's e-mail hash to gravatar.com and ask wagtail.org for
# new releases from the browser: agents' data stays here, and the policy allows neither host.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env_str("STATIC_ROOT", str(VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env_str("MEDIA_ROOT", str(VAR_DIR / "media"))
# Supporting documents never live under MEDIA_ROOT: they are served only by an authorised view.
PRIVATE_MEDIA_ROOT = env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # PrivateStorage reads PRIVATE_MEDIA_ROOT itself (see reservations/storage.py).
    "private": {"BACKEND": "reservations.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- E-mail ---------------------------------------------------------------------------------
# Every message goes through a Celery task (accounts.email.TaskEmailBackend); the task hands it to
# EMAIL_DELIVERY_BACKEND: the console by default, SMTP when EMAIL_HOST is set.
EMAIL_BACKEND = "accounts.email.TaskEmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_DELIVERY_BACKEND = env_str(
    "EMAIL_DELIVERY_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(env_str("EMAIL_PORT", "587"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Portail Famille <ne-pas-repondre@portail-famille.fr>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
# No broker configured: tasks run eagerly in-process, which is what `make run` needs.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE = {
    # Every leg sums to zero and every cached balance equals its legs: checked, loudly.
    "wallet-integrity-check": {"task": "wallet.tasks.check_ledger_integrity", "schedule": 3600},
    # And every invoice's total, paid amount and revenue against its lines and payments.
    "billing-integrity-check": {"task": "billing.tasks.check_billing_integrity", "schedule": 3600},
    # At each service day's booking deadline its headcount is frozen and sent to the caterer.
    "reservations-caterer-headcounts": {
        "task": "reservations.caterer_tasks.send_caterer_headcounts",
        "schedule": 300,
    },
    # Card payments left unpaid cancel their order after CARD_PAYMENT_TIMEOUT_MINUTES.
    "wallet-expire-card-payments": {"task": "wallet.tasks.expire_card_payments", "schedule": 300},
    # PayFiP has no webhook to rely on: unfinished payments are asked where they stand.
    "wallet-poll-payments": {"task": "wallet.tasks.poll_unfinished_payments", "schedule": 300},
    # Paid shares are numbered right after their checkout; this numbers any a crash left behind.
    "wallet-number-paid-shares": {"task": "wallet.tasks.number_paid_shares", "schedule": 60},
    # Deadline, unbooked-week, low-balance reminders and the weekly summary: each sent once.
    "reservations-send-reminders": {"task": "reservations.tasks.send_reminders", "schedule": 3600},
    # Waiting-list offers past their 24 hours pass to the next family; past deadlines close.
    "shop-expire-waitlist": {"task": "shop.waitlist.expire_waitlist", "schedule": 900},
}
# Below this (euros, general pot + a service's pot) a family using the service is reminded.
LOW_BALANCE_THRESHOLD = env_str("LOW_BALANCE_THRESHOLD", "5.00")

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Portail Famille"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILAPI_BASE_URL = WAGTAILADMIN_BASE_URL
WAGTAILADMIN_LOGIN_URL = "wagtailadmin_login"
WAGTAIL_I18N_ENABLED = False
# Which communes a request's site serves (partner ids, None for all): the services API is
# in reservations/, below the Wagtail sites that say it, so it reads them through this hook.
PORTAIL_SITE_COMMUNES = "themes.territory.site_commune_ids"
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
if ELASTICSEARCH_URL:
    from search.elasticsearch import index_settings  # French analysis; imports no model

    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch9",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX_PREFIX": env_str("ELASTICSEARCH_INDEX_PREFIX", "portail_"),
            "TIMEOUT": 5,
            "INDEX_SETTINGS": index_settings(),
        }
    }
else:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.database",
            # PostgreSQL full text without accents (search/migrations/0002): "rosieres" finds
            # "Rosières". Set whatever the engine: only the PostgreSQL flavour of the backend
            # reads it (SQLite's ignores it), and the engine is known only at run time
            # (config/settings/test.py replaces DATABASES after this file).
            "SEARCH_CONFIG": "french_unaccent",
        }
    }

# --- Oscar ----------------------------------------------------------------------------------
SITE_ID = 1
OSCAR_SHOP_NAME = "Portail Famille"
OSCAR_DEFAULT_CURRENCY = "EUR"
OSCAR_HOMEPAGE = "/"
OSCAR_ALLOW_ANON_CHECKOUT = False
# --- Oscar order statuses and payment (wallet / card checkout; shop/payment/) ---------------
# An order waits for its card payment, then is paid (its lines become bookings) or cancelled
# (its wallet part goes back to the pots). A paid order is never cancelled as a whole: bookings
# are cancelled one by one, each refunded to its service's pot (reservations).
OSCAR_INITIAL_ORDER_STATUS = "En attente de paiement"
OSCAR_ORDER_STATUS_PIPELINE = {
    "En attente de paiement": ("Payée", "Annulée"),
    "Payée": (),
    "Annulée": (),
}
# oscar-api's checkout has its own initial status ("new"): the same one as Oscar's.
OSCARAPI_INITIAL_ORDER_STATUS = OSCAR_INITIAL_ORDER_STATUS
# --- end of the Oscar order statuses block ---------------------------------------------------
OSCAR_REQUIRED_ADDRESS_FIELDS = ("first_name", "last_name")
# Oscar's search app still imports haystack; the simple backend keeps it idle. Real search is
# search/ on Wagtail's backends.
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
THUMBNAIL_DEBUG = False
# Agents' family screens: standalone dashboard sub-apps (reservations/dashboard/,
# shop/dashboard/bookings/, wallet/dashboard/).
# The agents' menu leaves out the shop's screens (shop/dashboard/scope.py).
OSCAR_DASHBOARD_DEFAULT_ACCESS_FUNCTION = "shop.dashboard.scope.access"


def _in_commune_words(item: dict) -> dict:
    """Oscar's "Fulfilment" menu ("Vente" in French) holds the families' orders: "Commandes"."""
    urls = {child.get("url_name") for child in item.get("children", ())}
    return {**item, "label": _("Commandes")} if "dashboard:order-list" in urls else item


OSCAR_DASHBOARD_NAVIGATION = [
    *map(_in_commune_words, OSCAR_DASHBOARD_NAVIGATION),  # noqa: F405
    {
        "label": _("Familles"),
        "icon": "fas fa-users",
        "children": [
            {"label": _("Comptes à valider"), "url_name": "families-dashboard:account-list"},
            {"label": _("Demandes d'accès"), "url_name": "families-dashboard:access-list"},
            {"label": _("Effectifs du jour"), "url_name": "families-dashboard:headcount"},
            {"label": _("Pointage"), "url_name": "families-dashboard:attendance"},
            {
                "label": _("Justificatifs d'absence"),
                "url_name": "families-dashboard:justification-list",
            },
            {
                "label": _("Réserver pour une famille"),
                "url_name": "bookings-dashboard:family-list",
            },
            {"label": _("Fermetures"), "url_name": "families-dashboard:closure-list"},
            {"label": _("Règles des services"), "url_name": "families-dashboard:service-rules"},
            {"label": _("Journal des actions"), "url_name": "families-dashboard:audit"},
            {"label": _("Porte-monnaie"), "url_name": "wallet-dashboard:wallet-list"},
        ],
    },
    {
        "label": _("Régies"),
        "icon": "fas fa-landmark",
        "children": [
            {"label": _("Journal"), "url_name": "wallet-dashboard:regie-journal-index"},
            {
                "label": _("Rapprochement"),
                "url_name": "wallet-dashboard:regie-reconciliation-index",
            },
            {
                "label": _("Relevé inter-régies"),
                "url_name": "wallet-dashboard:inter-regie-statement",
            },
            {"label": _("Régies"), "url_name": "wallet-dashboard:regie-list"},
            {"label": _("Facturation"), "url_name": "billing-dashboard:billing-index"},
        ],
    },
]

# --- Payments -------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
# Only tests change it: they point the SDK at a fake Stripe on 127.0.0.1.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
WALLET_TOP_UP_AMOUNTS = ["1.00", "5.00", "10.00", "25.00", "50.00"]
# A card payment left unpaid this long cancels its order (wallet.tasks).
CARD_PAYMENT_TIMEOUT_MINUTES = 30

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "NUM_PROXIES": NUM_PROXIES,
    # Django's lookups answer 404 in English ("No Beneficiary matches the given query.").
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
}
OSCARAPI_OVERRIDE_MODULES = ["shop.api"]
OSCARAPI_BLOCK_ADMIN_API_ACCESS = True
SPECTACULAR_SETTINGS = {
    "TITLE": "Portail Famille API",
    "DESCRIPTION": "Réservation de repas, garderie et accueil de loisirs, porte-monnaie.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # drf-spectacular's default PREPROCESSING_HOOKS is empty, so this hook is the only one. It
    # leaves out Wagtail's admin-internal API (cms/api/main/): the admin's own plumbing, not an
    # API we publish.
    "PREPROCESSING_HOOKS": ["config.openapi.exclude_wagtail_admin_api"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per stock record or page saved drowns what matters (seed_demo, imports).
        "oscar.alerts": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # The Stripe SDK logs every API request at INFO.
        "stripe": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
