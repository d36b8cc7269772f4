"""PayFiP and the French bank gateways (Paybox, Systempay / PayZen) through eopayment.

eopayment is the field's own library (Entr'ouvert's, used by Publik): `request()` gives where
to send the payer, `response()` reads the return or the server notification, `payment_status()`
asks where a payment stands (PayFiP only). This wrapper maps those to our gateway interface;
what to do with them stays wallet.payments'. Every call may go over the network: callers hold
no transaction or row lock meanwhile."""

import json
import logging
import os
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlencode

import eopayment
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from eopayment import payfip_ws

from . import EOPAYMENT_KINDS
from .base import (
    GatewayError,
    GatewayEvent,
    GatewayPayment,
    InvalidWebhookSignature,
    PaymentStatus,
)

logger = logging.getLogger(__name__)

PAYFIP = "payfip_ws"
LABELS = {
    PAYFIP: _("PayFiP — paiement sécurisé de la DGFiP"),
    "paybox": _("Paybox — paiement par carte bancaire"),
    "systempayv2": _("Systempay — paiement par carte bancaire"),
}

# eopayment's results, reduced to ours. A refused card (DENIED) is FAILED, as with Stripe; an
# abandoned or forgotten PayFiP payment (CANCELLED, EXPIRED) is CANCELED: nothing was debited.
RESULTS = {
    eopayment.PAID: PaymentStatus.SUCCEEDED,
    eopayment.DENIED: PaymentStatus.FAILED,
    eopayment.ERROR: PaymentStatus.FAILED,
    eopayment.CANCELLED: PaymentStatus.CANCELED,
    eopayment.EXPIRED: PaymentStatus.CANCELED,
    eopayment.WAITING: PaymentStatus.PENDING,
    eopayment.RECEIVED: PaymentStatus.PENDING,
    eopayment.ACCEPTED: PaymentStatus.PENDING,
}

# Our own option, not eopayment's: the address of PayFiP's servers when they are not the
# Treasury's (tests/fakes/payfip_server.py on 127.0.0.1). Never set in production.
PAYFIP_BASE_URL = "payfip_base_url"
OUR_OPTIONS = frozenset({PAYFIP_BASE_URL})
PAYFIP_ADDRESS = "https://www.payfip.gouv.fr"
PAYFIP_SERVICE_PATH = "/tpa/services/securite"

# Where each backend reports the amount it took, in cents.
AMOUNT_FIELDS = {PAYFIP: "montant", "paybox": "montant", "systempayv2": "vads_amount"}
CENTS = Decimal(100)

# PayFiP's "référence de la dette" and Systempay's order id: 1 to 30 letters or digits.
NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")
OUR_REFDET = re.compile(r"^cardpayment(\d+)$")


def alphanumeric_reference(reference: str) -> str:
    """Our reference ("card-payment:42") as the backends take it ("cardpayment42")."""
    return NOT_ALPHANUMERIC.sub("", reference)[:30] or "portail"


def _reference_of_refdet(refdet: str) -> str | None:
    # Back to ours, so that a payment whose idop was never stored is still found.
    match = OUR_REFDET.match(refdet or "")
    return f"card-payment:{match.group(1)}" if match else None


def backend_options(backend) -> dict:
    """The backend account's eopayment options with its secrets, which live in a setting (or
    environment variable) named by `secret_setting`, as a JSON object, never in the database."""
    options = dict(backend.options or {})
    if not backend.secret_setting:
        return options
    secrets = getattr(settings, backend.secret_setting, None)
    if secrets is None:
        secrets = os.environ.get(backend.secret_setting)
    if secrets is None:
        raise GatewayError(f"{backend.secret_setting} is not set")
    if isinstance(secrets, str):
        try:
            secrets = json.loads(secrets)
        except ValueError as error:
            raise GatewayError(f"{backend.secret_setting} is not JSON") from error
    if not isinstance(secrets, Mapping):
        raise GatewayError(f"{backend.secret_setting} is not a JSON object")
    options.update(secrets)
    return options


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def return_url(backend_id: int) -> str:
    """Where the payer's browser comes back from the backend's page."""
    return _absolute(reverse("wallet_payment_return", args=[backend_id]))


def notification_url(backend_id: int) -> str:
    """Where the backend's server tells ours how a payment ended."""
    return _absolute(reverse("wallet_payment_notify", args=[backend_id]))


class EopaymentGateway:
    """One payment backend account (PaymentBackendAccount) of an eopayment kind."""

    publishable_key = None

    def __init__(self, backend):
        self.backend = backend
        self.code = backend.kind
        self.label = LABELS.get(backend.kind, backend.kind)
        try:
            self._options = backend_options(backend)
            self._config_error = None
        except GatewayError as error:
            # Reported on first use, as a gateway that cannot be reached: nothing is debited.
            logger.error("Payment backend %s: %s", backend.pk, error)
            self._options = dict(backend.options or {})
            self._config_error = error
        self.is_test = _is_test(self.code, self._options)

    @property
    def needs_payer_email(self) -> bool:
        """PayFiP and Paybox send the payer a receipt: the request must carry an e-mail."""
        return bool(getattr(eopayment.get_backend(self.code), "email_is_required", False))

    # --- The protocol -------------------------------------------------------------------------

    def create_payment(
        self,
        *,
        amount: Decimal,
        reference: str,
        description: str,
        idempotency_key: str,
        email: str | None = None,
    ) -> GatewayPayment:
        """Ask the backend for a payment; the payer is then sent to `redirect_url` (for Paybox
        and Systempay, a form to POST: `metadata["form"]`). eopayment has no idempotency key:
        a retried call asks for another payment, which simply expires unpaid."""
        payment = self._payment()
        kwargs = {"email": email or "", "subject": str(description)}
        if self.code == PAYFIP:
            # The fiscal year (exercice) the Treasury books the receipt in: today's, in Paris.
            exer = str(timezone.localdate().year)
            kwargs.update(refdet=alphanumeric_reference(reference), exer=exer)
        else:
            kwargs["orderid"] = alphanumeric_reference(reference)
        try:
            transaction_id, kind, data = payment.request(amount, **kwargs)
        except (eopayment.PaymentException, ValueError, TypeError) as error:
            raise GatewayError(f"{self.code}: {error}") from error
        metadata = {"reference": reference}
        if kind == eopayment.URL:
            redirect = self._payer_url(str(data))
        elif kind == eopayment.FORM:
            redirect = data.url
            metadata["form"] = {"method": data.method, "fields": list(data.fields)}
        else:
            redirect = None
            metadata["html"] = str(data)
        return GatewayPayment(
            gateway=self.code,
            reference=str(transaction_id),
            amount=amount,
            currency="EUR",
            status=PaymentStatus.PENDING,
            metadata=metadata,
            redirect_url=redirect,
        )

    def retrieve_payment(self, gateway_reference: str, *, started_at=None) -> GatewayPayment:
        """Ask the backend where a payment stands (PayFiP only: the others have no such call).

        `started_at` (the payment's creation, aware) lets eopayment tell an idOp still being
        paid from one that will never be: PayFiP answers "no result yet" (P5) for both."""
        payment = self._payment()
        if not payment.has_payment_status:
            raise GatewayError(f"{self.code} cannot be asked where a payment stands")
        try:
            response = payment.payment_status(gateway_reference, transaction_date=started_at)
        except (eopayment.PaymentException, ValueError, TypeError) as error:
            raise GatewayError(f"{self.code}: {error}") from error
        return self._from_response(response, gateway_reference)

    def cancel_payment(self, gateway_reference: str, *, started_at=None) -> GatewayPayment:
        """PayFiP cannot cancel a payment: an unpaid idOp simply expires (15 minutes after it
        was created, forgotten by PayFiP overnight). So this only says where it stands: the
        caller cancels on our side once it is CANCELED, or when the backend says it is still
        PENDING long after the payer could have paid (pass `started_at`)."""
        return self.retrieve_payment(gateway_reference, started_at=started_at)

    def parse_response(self, content: str | bytes) -> GatewayPayment:
        """The payer's return or the backend's notification (a query string or a form body),
        read by eopayment: PayFiP's is only an idOp, so its server is asked for the outcome;
        the bank gateways' are signed, and an unsigned or forged one is refused.

        Idempotent: the same return read twice gives the same answer (settling it twice changes
        nothing: wallet.payments.settle_card_payment)."""
        content = _as_text(content)
        if self.code == PAYFIP:
            idop = self.reference_in(content)
            if not idop:
                raise InvalidWebhookSignature("no idop in PayFiP's return")
            content = urlencode({"idop": idop})
        payment = self._payment()
        try:
            response = payment.response(content)
        except eopayment.ResponseError as error:
            raise InvalidWebhookSignature(str(error)) from error
        except (eopayment.PaymentException, ValueError, TypeError, KeyError) as error:
            raise GatewayError(f"{self.code}: {error}") from error
        if not response.signed:
            raise InvalidWebhookSignature(f"{self.code}: unsigned response")
        return self._from_response(response, "")

    def payer_url(self, gateway_reference: str) -> str | None:
        """Where to send the payer for a payment asked earlier: PayFiP's page takes the idOp
        again until it is paid or expires (eopayment builds it the same way). None for the bank
        gateways, whose form is only given when the payment is asked."""
        if self.code != PAYFIP:
            return None
        return self._payer_url(f"{payfip_ws.PAYMENT_URL}?idop={gateway_reference}")

    def reference_in(self, content: str | bytes) -> str | None:
        """The backend's payment reference a return names, read without asking anyone (PayFiP's
        idOp, `idop` from the browser, `idOp` from its server); None for the bank gateways."""
        if self.code != PAYFIP:
            return None
        fields = parse_qs(_as_text(content))
        values = fields.get("idop") or fields.get("idOp") or [None]
        idop = values[0]
        return idop if idop and len(idop) <= 255 else None

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        raise InvalidWebhookSignature(
            f"{self.code} sends no webhook: its return and notification go to parse_response"
        )

    # --- eopayment ----------------------------------------------------------------------------

    def _payment(self) -> eopayment.Payment:
        if self._config_error is not None:
            raise self._config_error
        options = {k: v for k, v in self._options.items() if k not in OUR_OPTIONS}
        options["normal_return_url"] = return_url(self.backend.pk)
        options["automatic_return_url"] = notification_url(self.backend.pk)
        try:
            payment = eopayment.Payment(self.code, options, logger=logger)
        except Exception as error:  # eopayment validates options in each backend its own way
            raise GatewayError(f"{self.code}: {error}") from error
        base = self._payfip_base()
        if self.code == PAYFIP and base != PAYFIP_ADDRESS:
            # eopayment reads PayFiP's address in the WSDL: the fake serves one naming itself.
            payment.backend.payfip = payfip_ws.PayFiP(
                wsdl_url=f"{base}{PAYFIP_SERVICE_PATH}?wsdl", use_local_wsdl=False
            )
        return payment

    def _payfip_base(self) -> str:
        return str(self._options.get(PAYFIP_BASE_URL) or PAYFIP_ADDRESS).rstrip("/")

    def _payer_url(self, url: str) -> str:
        base = self._payfip_base()
        if self.code == PAYFIP and url.startswith(PAYFIP_ADDRESS):
            return base + url[len(PAYFIP_ADDRESS) :]
        return url

    def _from_response(self, response, fallback_reference: str) -> GatewayPayment:
        bank_data = response.bank_data or {}
        metadata = {"bank_status": str(response.bank_status or "")}
        if self.code == PAYFIP:
            ours = _reference_of_refdet(bank_data.get("refdet") or "")
            if ours:
                metadata["reference"] = ours
        return GatewayPayment(
            gateway=self.code,
            reference=str(response.order_id or fallback_reference),
            amount=_reported_amount(bank_data.get(AMOUNT_FIELDS.get(self.code, ""))),
            currency="EUR",
            status=RESULTS.get(response.result, PaymentStatus.PENDING),
            metadata=metadata,
        )


def _reported_amount(cents) -> Decimal | None:
    """The amount a backend reports it took (cents), None when it says none (no result yet)."""
    if isinstance(cents, list | tuple):
        cents = cents[0] if cents else None
    if cents in (None, ""):
        return None
    try:
        return (Decimal(str(cents)) / CENTS).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _is_test(kind: str, options: Mapping) -> bool:
    """A test payment moves no real money: PayFiP's saisie T (test) or X (activation), Paybox's
    test platform, Systempay's TEST mode."""
    if kind == PAYFIP:
        return str(options.get("saisie") or "T") in ("T", "X")
    if kind == "paybox":
        return str(options.get("platform") or "test") == "test"
    if kind == "systempayv2":
        return str(options.get("vads_ctx_mode") or "TEST") == "TEST"
    return True


def _as_text(content: str | bytes) -> str:
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    return content or ""


def pollable_kinds() -> list[str]:
    """The eopayment kinds whose backend can be asked where a payment stands (PayFiP)."""
    return [
        kind for kind in EOPAYMENT_KINDS if hasattr(eopayment.get_backend(kind), "payment_status")
    ]
