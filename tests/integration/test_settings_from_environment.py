"""Settings come from the environment; production refuses to start without its secrets."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "portail-famille.fr,www.portail-famille.fr",
    "DATABASE_URL": "postgres://portail@db.internal:5432/portail",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "REDIS_URL": "redis://redis.internal:6379/1",
    "ELASTICSEARCH_URL": "https://search.internal:9200",
    "STRIPE_SECRET_KEY": "sk_test_x",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "EMAIL_HOST": "smtp.internal",
    "ADMINS": "Exploitation <exploitation@portail-famille.fr>",
}
CONFIGURATION_KEYS = [
    "ADMINS",
    "ENVIRONMENT_VARIABLES_UNDER_TEST",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "NUM_PROXIES",
    "ELASTICSEARCH_URL",
    "EMAIL_HOST",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
]

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "name": str(s.DATABASES["default"]["NAME"]),
    "options": s.DATABASES["default"].get("OPTIONS", {}),
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "search": s.WAGTAILSEARCH_BACKENDS["default"]["BACKEND"],
    "cache": s.CACHES["default"],
    "sessions": s.SESSION_ENGINE,
    "num_proxies": [s.NUM_PROXIES, s.REST_FRAMEWORK["NUM_PROXIES"], s.AXES_CLIENT_IP_CALLABLE],
    "delivery": s.EMAIL_DELIVERY_BACKEND,
    "time_zone": s.TIME_ZONE,
    "language": s.LANGUAGE_CODE,
    "languages": [code for code, _ in s.LANGUAGES],
}))
"""


def run_django(settings_module: str, code: str, **environment) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in CONFIGURATION_KEYS}
    env.update(environment, DJANGO_SETTINGS_MODULE=settings_module)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def settings_under(settings_module: str, **environment) -> dict:
    process = run_django(settings_module, PRINT_SETTINGS, **environment)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout.strip().splitlines()[-1])


def test_embedded_defaults_need_no_server():
    embedded = settings_under("config.settings.dev")

    assert embedded["engine"] == "django.db.backends.sqlite3"
    assert embedded["name"].endswith("var/portail.sqlite3")
    assert embedded["options"]["transaction_mode"] == "IMMEDIATE"
    assert embedded["eager"] is True
    assert embedded["search"] == "wagtail.search.backends.database"
    assert embedded["delivery"] == "django.core.mail.backends.console.EmailBackend"
    assert (embedded["time_zone"], embedded["language"]) == ("Europe/Paris", "fr")
    assert embedded["languages"] == ["fr", "en"]
    assert embedded["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert embedded["num_proxies"] == [0, 0, "accounts.throttling.client_address"]
    assert embedded["sessions"] == "django.contrib.sessions.backends.db"


def test_scale_out_settings_follow_the_environment():
    scaled = settings_under("config.settings.production", **PRODUCTION_ENV)

    assert scaled["engine"] == "django.db.backends.postgresql"
    assert scaled["eager"] is False
    assert scaled["search"] == "wagtail.search.backends.elasticsearch9"
    assert scaled["delivery"] == "django.core.mail.backends.smtp.EmailBackend"
    assert scaled["cache"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://redis.internal:6379/1",
    }
    assert scaled["num_proxies"] == [1, 1, "accounts.throttling.client_address"]
    # Every request reads its session: from Redis, written through to PostgreSQL.
    assert scaled["sessions"] == "django.contrib.sessions.backends.cached_db"


def test_the_number_of_proxies_is_one_setting_for_every_rate_limit():
    scaled = settings_under("config.settings.production", **PRODUCTION_ENV, NUM_PROXIES="2")

    assert scaled["num_proxies"] == [2, 2, "accounts.throttling.client_address"]


def test_production_refuses_to_start_without_a_shared_cache():
    """Rate limits counted in each worker's memory would be multiplied by the workers."""
    environment = {key: value for key, value in PRODUCTION_ENV.items() if key != "REDIS_URL"}

    process = run_django(
        "config.settings.production", "import django; django.setup()", **environment
    )

    assert process.returncode != 0
    assert "ImproperlyConfigured" in process.stderr
    assert "REDIS_URL must be set in production" in process.stderr
    assert "rate limits are counted in this shared cache" in process.stderr


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"]
)
def test_production_refuses_to_start_without_its_secret_or_hosts(missing):
    environment = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

    process = run_django(
        "config.settings.production", "import django; django.setup()", **environment
    )

    assert process.returncode != 0
    assert f"{missing} must be set in production" in process.stderr


def test_deploy_check_reports_nothing_with_a_realistic_production_environment():
    code = (
        "import django; from django.core.management import call_command; "
        "django.setup(); call_command('check', deploy=True, fail_level='DEBUG')"
    )

    process = run_django("config.settings.production", code, **PRODUCTION_ENV)

    assert process.returncode == 0, process.stderr
    assert "no issues" in process.stdout


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", check=True, dry_run=True, stdout=StringIO())
