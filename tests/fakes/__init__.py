"""Fakes of what lies outside this machine, at the HTTP boundary.

`fake_stripe` is a pytest fixture: a test module that uses it declares
`pytest_plugins = ["tests.fakes"]` (tests/conftest.py is left alone)."""

import pytest

from .stripe_server import FakeStripe, sign

__all__ = ["FakeStripe", "fake_stripe", "sign"]


@pytest.fixture
def fake_stripe(settings):
    """A fake Stripe API on 127.0.0.1 for one test, with the settings pointing at it."""
    server = FakeStripe(api_key="sk_test_fake", webhook_secret="whsec_test").start()
    settings.STRIPE_SECRET_KEY = server.api_key
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = server.webhook_secret
    settings.STRIPE_API_BASE = server.url
    try:
        yield server
    finally:
        server.stop()
