"""pytest fixtures for the fake PayFiP: a test module declares
`pytest_plugins = ["tests.fakes.payfip_fixtures"]`.

`fake_payfip` is the server; `payfip_backend` a PayFiP backend account pointed at it (client
number NUMCLI, test mode) that the platform régie, hence every top-up, uses;
`make_payfip_backend(**options)` makes another one."""

from decimal import Decimal

import pytest

from wallet.models import BackendKind, PaymentBackendAccount
from wallet.regies import platform_regie

from .payfip_server import NUMCLI, FakePayFiP


@pytest.fixture
def fake_payfip():
    server = FakePayFiP().start()
    try:
        yield server
    finally:
        server.stop()


def _payfip_backend(fake: FakePayFiP, **options) -> PaymentBackendAccount:
    return PaymentBackendAccount.objects.create(
        name="PayFiP de la régie (faux)",
        kind=BackendKind.PAYFIP,
        options={"numcli": NUMCLI, "saisie": "T", "payfip_base_url": fake.url, **options},
        minimum_amount=Decimal("1.00"),
        maximum_amount=Decimal("100000.00"),
    )


@pytest.fixture
def payfip_backend(db, fake_payfip, settings):
    # The return and notification URLs eopayment sends PayFiP are built from this setting.
    settings.WAGTAILADMIN_BASE_URL = "https://portail.example.org"
    backend = _payfip_backend(fake_payfip)
    regie = platform_regie()
    regie.backend = backend
    regie.save(update_fields=["backend"])
    return backend


@pytest.fixture
def make_payfip_backend(db, fake_payfip):
    return lambda **options: _payfip_backend(fake_payfip, **options)
