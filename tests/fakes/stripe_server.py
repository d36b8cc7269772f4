"""A fake Stripe API on 127.0.0.1, just enough for the PaymentIntents the wallet uses.

It speaks HTTP as the real SDK sends it (form-encoded bodies with bracketed keys, a Bearer key,
Idempotency-Key headers), so our StripeGateway is exercised through the SDK untouched. It also
builds webhook deliveries signed with Stripe's scheme, computed here independently of the SDK.

What it does NOT reproduce: card confirmation (3-D Secure, declines: tests mark an intent
succeeded or failed by hand), Stripe's validation of parameters, API versions, rate limits."""

import hashlib
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

INTENTS_PATH = "/v1/payment_intents"


def decode_form(body: str) -> dict:
    """`a[b][c]=1&d=2` → {"a": {"b": {"c": "1"}}, "d": "2"}, as Stripe reads the SDK's bodies."""
    result: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class FakeStripe:
    """The server's state; tests use its helpers, the SDK its HTTP interface."""

    def __init__(self, api_key: str = "sk_test_fake", webhook_secret: str = "whsec_test"):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.intents: dict[str, dict] = {}
        self.requests: list[dict] = []  # every request received: method, path, headers, params
        self._idempotent: dict[tuple, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- Lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(_Handler):
            server_state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # --- Test helpers -------------------------------------------------------------------------

    def requests_to(self, method: str, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"] == path]

    def succeed(self, intent_id: str) -> dict:
        """As if the parent's card was charged."""
        return self._update(intent_id, status="succeeded", last_payment_error=None)

    def fail(self, intent_id: str) -> dict:
        """As if the card was declined: Stripe puts the intent back to requires_payment_method."""
        return self._update(
            intent_id,
            status="requires_payment_method",
            last_payment_error={
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
            },
        )

    def event(self, event_type: str, obj: dict, event_id: str | None = None) -> dict:
        """An event as Stripe delivers it: a snapshot of `obj` at that moment."""
        return {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2025-01-01",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            "data": {"object": json.loads(json.dumps(obj))},
        }

    def webhook(self, event: dict, secret: str | None = None, timestamp: int | None = None):
        """(body, Stripe-Signature header) of one delivery of `event`."""
        body = json.dumps(event).encode()
        return body, sign(body, secret or self.webhook_secret, timestamp)

    def intent_event(self, event_type: str, intent_id: str, event_id: str | None = None) -> dict:
        with self._lock:
            return self.event(event_type, self.intents[intent_id], event_id)

    # --- The API ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers, body: str) -> tuple[int, dict]:
        params = decode_form(body) if body else {}
        record = {
            "method": method,
            "path": path,
            "params": params,
            "authorization": headers.get("Authorization"),
            "idempotency_key": headers.get("Idempotency-Key"),
            "stripe_version": headers.get("Stripe-Version"),
            "content_type": headers.get("Content-Type"),
        }
        with self._lock:
            self.requests.append(record)
            if headers.get("Authorization") != f"Bearer {self.api_key}":
                return 401, _error("invalid_request_error", "Invalid API Key provided.")
            key = headers.get("Idempotency-Key")
            if method == "POST" and key and (path, key) in self._idempotent:
                # Stripe replays the first answer to the same key.
                return self._idempotent[(path, key)]
            answer = self._route(method, path, params)
            if method == "POST" and key:
                self._idempotent[(path, key)] = answer
            return answer

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if path == INTENTS_PATH and method == "POST":
            return self._create(params)
        if path.startswith(INTENTS_PATH + "/"):
            rest = path[len(INTENTS_PATH) + 1 :].split("/")
            intent = self.intents.get(rest[0])
            if intent is None:
                message = f"No such payment_intent: '{rest[0]}'"
                return 404, _error("invalid_request_error", message, "resource_missing")
            if method == "GET" and len(rest) == 1:
                return 200, intent
            if method == "POST" and rest[1:] == ["cancel"]:
                if intent["status"] in ("succeeded", "canceled"):
                    return 400, _error(
                        "invalid_request_error",
                        f"You cannot cancel this PaymentIntent because it has a status of "
                        f"{intent['status']}.",
                        "payment_intent_unexpected_state",
                    )
                intent.update(status="canceled", canceled_at=int(time.time()))
                return 200, intent
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method} {path}).")

    def _create(self, params: dict) -> tuple[int, dict]:
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            return 400, _error("invalid_request_error", "Missing required param: amount.")
        if amount < 50:  # Stripe's minimum charge in euros is 0.50 €
            return 400, _error(
                "invalid_request_error", "Amount must be at least €0.50 eur", "amount_too_small"
            )
        intent_id = f"pi_{secrets.token_hex(12)}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": params.get("currency"),
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "automatic_payment_methods": {
                "enabled": params.get("automatic_payment_methods", {}).get("enabled") == "true"
            },
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
            "last_payment_error": None,
            "canceled_at": None,
            "created": int(time.time()),
            "livemode": False,
        }
        self.intents[intent_id] = intent
        return 200, intent

    def _update(self, intent_id: str, **changes) -> dict:
        with self._lock:
            intent = self.intents[intent_id]
            intent.update(changes)
            if changes.get("status") == "succeeded":
                intent["amount_received"] = intent["amount"]
            return json.loads(json.dumps(intent))


def _error(kind: str, message: str, code: str | None = None) -> dict:
    error = {"type": kind, "message": message}
    if code:
        error["code"] = code
    return {"error": error}


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeStripe
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._answer("GET")

    def do_POST(self):
        self._answer("POST")

    def _answer(self, method: str):
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if method == "GET" and split.query:
            body = split.query
        status, payload = self.server_state.handle(method, split.path, self.headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # keep the test output clean
