"""A fake PayFiP (the DGFiP's card payment service) on 127.0.0.1, for eopayment's payfip_ws.

What it reproduces, as eopayment 3.15's payfip_ws backend calls it through zeep:
- the SOAP web service `PaiementSecuriseService` at `<url>/tpa/services/securite`, with its WSDL
  (`?wsdl`, eopayment's own copy, the address pointed here) and the three XSD files it imports;
- `creerPaiementSecurise` (numcli, saisie T/X/W, exer, montant in cents, refdet, mel, objet,
  urlnotif, urlredirect) → a new idOp; each call is recorded in `requests` for tests to read;
- `recupererDetailPaiementSecurise` (idOp) → the payment's detail (resultrans P paid, R refused,
  A abandoned by the payer, with dattrans/heurtrans in Europe/Paris, numauto for a paid one), or
  the FonctionnelleErreur faults PayFiP answers: P5 "no result yet" for an idOp not paid yet,
  P1 "unknown idOp" for an unknown or expired one (PayFiP forgets unpaid idOps overnight);
- `recupererDetailClient` (numCli) → the client's labels;
- a payer page `<url>/tpa/paiementws.web?idop=…` with three buttons (pay, refuse, abandon),
  which records the outcome, POSTs `idOp=…` to the payment's urlnotif (PayFiP's server
  notification, the body eopayment's `guess()` expects), then sends the browser back to
  urlredirect with an auto-submitted POST `idop=…`.
Tests script the outcome directly instead: `pay(idop)`, `refuse(idop)`, `abandon(idop)`,
`expire(idop)`, and `notify(idop)` to deliver the server notification.

What it does NOT reproduce: TLS and the Treasury's certificates, PayFiP's checks of numcli
against the régie's contract, refdet uniqueness per exercise, the 15-minute lifetime of an idOp
(tests use `expire`), direct debit (V, Z), the payer's bank pages and 3-D Secure, the real
timing and format of the notification and of the browser return (taken from eopayment's code,
not observed on the Treasury's servers), and the real faults' full texts."""

import html
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

import eopayment

SERVICE_PATH = "/tpa/services/securite"
PAYER_PATH = "/tpa/paiementws.web"
RESOURCES = Path(eopayment.__file__).parent / "resource"
WSDL_FILE = "PaiementSecuriseService.wsdl"
SCHEMAS = {f"PaiementSecuriseService_schema{n}.xsd" for n in (1, 2, 3)}
PARIS = ZoneInfo("Europe/Paris")
NUMCLI = "123456"  # the client number tests and the demo use (any 6 digits are accepted)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
FUNCTIONAL_FAULT = "fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur"

# PayFiP's result codes (resultrans) for the outcomes a test scripts.
PAID, REFUSED, ABANDONED = "P", "R", "A"
# What a payment is before and after its outcome.
WAITING, EXPIRED = "waiting", "expired"
FAULTS = {
    "P1": "IdOp incorrect.",
    "P5": "Résultat de la transaction non connu.",
}


class FakePayFiP:
    """The server's state; tests use its helpers, eopayment (through zeep) its SOAP service."""

    def __init__(self, port: int = 0):
        self.port = port
        self.requests: list[dict] = []  # every creerPaiementSecurise received, decoded
        self.calls: list[tuple[str, dict]] = []  # every SOAP operation: (name, arguments)
        self.notifications: list[dict] = []  # every notification sent: url, body, status
        self.payments: dict[str, dict] = {}  # idop → the payment and its outcome
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- Lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakePayFiP":
        fake = self

        class Handler(_Handler):
            server_state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def serve_forever(self) -> None:
        """Run in the foreground (`python -m tests.fakes.payfip_server`)."""
        self.start()
        self._thread.join()

    # --- Test helpers -------------------------------------------------------------------------

    def last_request(self) -> dict:
        return self.requests[-1]

    def pay(self, idop: str, at: datetime | None = None) -> dict:
        """As if the payer's card was charged."""
        return self._settle(idop, PAID, at, numauto="A1B2C3")

    def refuse(self, idop: str, at: datetime | None = None) -> dict:
        """As if the payer's bank refused the card."""
        return self._settle(idop, REFUSED, at)

    def abandon(self, idop: str, at: datetime | None = None) -> dict:
        """As if the payer left PayFiP's page with "Abandonner". eopayment still reads it as
        running for two minutes after `at` (the idOp may still be paid meanwhile)."""
        return self._settle(idop, ABANDONED, at)

    def expire(self, idop: str) -> dict:
        """As if PayFiP had forgotten an idOp never paid (its nightly cleanup): P1 from now on."""
        with self._lock:
            payment = self.payments[idop]
            payment["state"] = EXPIRED
            return dict(payment)

    def notify(self, idop: str, url: str | None = None) -> int:
        """POST PayFiP's server notification for `idop` to its urlnotif (or `url`); the HTTP
        status our server answered."""
        with self._lock:
            target = url or self.payments[idop]["urlnotif"]
        body = urlencode({"idOp": idop}).encode()
        request = Request(
            target,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urlopen(request, timeout=10) as response:  # noqa: S310 - our own test server
                status = response.status
        except OSError as error:
            status = getattr(error, "code", 0)
        with self._lock:
            self.notifications.append({"url": target, "body": body.decode(), "status": status})
        return status

    def _settle(self, idop: str, result: str, at: datetime | None, numauto: str = "") -> dict:
        at = (at or datetime.now(tz=PARIS)).astimezone(PARIS)
        with self._lock:
            payment = self.payments[idop]
            payment.update(state=result, resultrans=result, settled_at=at, numauto=numauto)
            return dict(payment)

    # --- The SOAP service ---------------------------------------------------------------------

    def wsdl(self) -> bytes:
        text = (RESOURCES / WSDL_FILE).read_text(encoding="utf-8")
        text = re.sub(
            r'<soap:address location="[^"]*"/>',
            f'<soap:address location="{self.url}{SERVICE_PATH}"/>',
            text,
        )
        return text.encode()

    def soap(self, body: bytes) -> tuple[int, bytes]:
        try:
            envelope = ET.fromstring(body)
            operation = envelope.find(f"{{{SOAP_ENV}}}Body")[0]
        except (ET.ParseError, TypeError, IndexError):
            return 500, _fault("soap:Client", "Malformed SOAP request", None)
        name = operation.tag.rpartition("}")[2]
        arg0 = operation.find("arg0")
        args = {
            child.tag.rpartition("}")[2]: child.text or ""
            for child in (list(arg0) if arg0 is not None else [])
        }
        with self._lock:
            self.calls.append((name, args))
            if name == "creerPaiementSecurise":
                return self._create(args)
            if name == "recupererDetailPaiementSecurise":
                return self._detail(args.get("idOp", ""))
            if name == "recupererDetailClient":
                return 200, _envelope(
                    "recupererDetailClientResponse",
                    {
                        "libelleN1": "REGIE DE TEST",
                        "libelleN2": "FAUX PAYFIP",
                        "libelleN3": "",
                        "numcli": args.get("numCli", ""),
                    },
                )
        return 500, _fault("soap:Client", f"Unknown operation {name}", None)

    def _create(self, args: dict) -> tuple[int, bytes]:
        montant = args.get("montant", "")
        request = {
            "numcli": args.get("numcli", ""),
            "saisie": args.get("saisie", ""),
            "exer": args.get("exer", ""),
            "refdet": args.get("refdet", ""),
            "montant": montant,
            "amount_cents": int(montant) if montant.isdigit() else None,
            "mel": args.get("mel", ""),
            "objet": args.get("objet", ""),
            "urlnotif": args.get("urlnotif", ""),
            "urlredirect": args.get("urlredirect", ""),
        }
        self.requests.append(request)
        # PayFiP's own checks, in short: a 6-digit client, a known mode, an amount in cents.
        if not (request["numcli"].isdigit() and len(request["numcli"]) == 6):
            return 500, _functional_fault("O1", "Numéro de client incorrect.")
        if request["saisie"] not in ("T", "X", "W"):
            return 500, _functional_fault("O2", "Type de saisie incorrect.")
        if request["amount_cents"] is None or request["amount_cents"] < 100:
            return 500, _functional_fault("O3", "Montant incorrect.")
        idop = str(uuid.uuid4())
        self.payments[idop] = {
            **request,
            "idop": idop,
            "state": WAITING,
            "created_at": datetime.now(tz=PARIS),
        }
        return 200, _envelope("creerPaiementSecuriseResponse", {"idOp": idop})

    def _detail(self, idop: str) -> tuple[int, bytes]:
        payment = self.payments.get(idop)
        if payment is None or payment["state"] == EXPIRED:
            return 500, _functional_fault("P1", FAULTS["P1"])
        if payment["state"] == WAITING:
            return 500, _functional_fault("P5", FAULTS["P5"])
        at = payment["settled_at"]
        return 200, _envelope(
            "recupererDetailPaiementSecuriseResponse",
            {
                "dattrans": at.strftime("%d%m%Y"),
                "exer": payment["exer"],
                "heurtrans": at.strftime("%H%M"),
                "idOp": idop,
                "mel": payment["mel"],
                "montant": payment["montant"],
                "numauto": payment["numauto"],
                "numcli": payment["numcli"],
                "objet": payment["objet"],
                "refdet": payment["refdet"],
                "resultrans": payment["resultrans"],
                "saisie": payment["saisie"],
            },
        )

    # --- The payer's page ---------------------------------------------------------------------

    def payer_page(self, idop: str) -> tuple[int, bytes]:
        with self._lock:
            payment = self.payments.get(idop)
        if payment is None or payment["state"] != WAITING:
            return 404, _page("<p>Ce paiement n'existe pas ou est terminé.</p>")
        euros = f"{payment['amount_cents'] / 100:.2f}".replace(".", ",")
        return 200, _page(
            f"<h1>PayFiP (faux, pour les tests)</h1>"
            f"<p>Montant : {euros} € — {html.escape(payment['objet'] or '')}</p>"
            f'<form method="post" action="{PAYER_PATH}">'
            f'<input type="hidden" name="idop" value="{html.escape(idop)}">'
            f'<button name="outcome" value="pay">Payer</button> '
            f'<button name="outcome" value="refuse">Carte refusée</button> '
            f'<button name="outcome" value="abandon">Abandonner</button>'
            f"</form>"
        )

    def payer_choice(self, body: bytes) -> tuple[int, bytes]:
        fields = parse_qs(body.decode(errors="replace"))
        idop = (fields.get("idop") or [""])[0]
        outcome = (fields.get("outcome") or [""])[0]
        actions = {"pay": self.pay, "refuse": self.refuse, "abandon": self.abandon}
        with self._lock:
            payment = self.payments.get(idop)
        if payment is None or payment["state"] != WAITING or outcome not in actions:
            return 400, _page("<p>Choix impossible.</p>")
        # The abandoned payment is dated two minutes back: eopayment then reads it as cancelled
        # at once, which is what a person trying the demo expects to see.
        at = datetime.now(tz=PARIS) - timedelta(minutes=3) if outcome == "abandon" else None
        actions[outcome](idop, at=at)
        if payment["urlnotif"]:
            self.notify(idop)
        return 200, _page(
            f'<form method="post" action="{html.escape(payment["urlredirect"])}">'
            f'<input type="hidden" name="idop" value="{html.escape(idop)}">'
            f"<noscript><button>Revenir au portail</button></noscript></form>"
            f"<script>document.forms[0].submit()</script>"
        )


def _envelope(response_name: str, values: dict) -> bytes:
    envelope = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    body = ET.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    response = ET.SubElement(body, f"{{{TNS}}}{response_name}")
    returned = ET.SubElement(response, "return")
    for key, value in values.items():
        ET.SubElement(returned, key).text = value
    return ET.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _functional_fault(code: str, message: str) -> bytes:
    detail = ET.Element(f"{{{TNS}}}FonctionnelleErreur")
    for key, value in (("code", code), ("descriptif", message), ("libelle", message)):
        ET.SubElement(detail, key).text = value
    ET.SubElement(detail, "severite").text = "2"
    return _fault("soap:Server", FUNCTIONAL_FAULT, detail)


def _fault(code: str, message: str, detail: ET.Element | None) -> bytes:
    envelope = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    body = ET.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    fault = ET.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    ET.SubElement(fault, "faultcode").text = code.replace("soap:", "S:")
    ET.SubElement(fault, "faultstring").text = message
    if detail is not None:
        ET.SubElement(fault, "detail").append(detail)
    # faultcode's prefix must resolve: name the envelope's namespace "S", as JAX-WS does.
    ET.register_namespace("S", SOAP_ENV)
    return ET.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _page(content: str) -> bytes:
    return (
        '<!doctype html><html lang="fr"><meta charset="utf-8"><title>PayFiP (faux)</title>'
        f"<body>{content}</body></html>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server_state: FakePayFiP
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        split = urlsplit(self.path)
        state = self.server_state
        if split.path == SERVICE_PATH and split.query.lower() == "wsdl":
            self._send(200, state.wsdl(), "text/xml; charset=utf-8")
        elif split.path.startswith("/tpa/services/") and split.path.rpartition("/")[2] in SCHEMAS:
            schema = (RESOURCES / split.path.rpartition("/")[2]).read_bytes()
            self._send(200, schema, "text/xml; charset=utf-8")
        elif split.path == PAYER_PATH:
            idop = (parse_qs(split.query).get("idop") or [""])[0]
            self._send(*state.payer_page(idop), "text/html; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self):
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if split.path == SERVICE_PATH:
            self._send(*self.server_state.soap(body), "text/xml; charset=utf-8")
        elif split.path == PAYER_PATH:
            self._send(*self.server_state.payer_choice(body), "text/html; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, data: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # keep the test output clean


if __name__ == "__main__":
    import sys

    fake = FakePayFiP(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8765)
    print(f"Fake PayFiP on http://127.0.0.1:{fake.port}", flush=True)  # noqa: T201
    fake.serve_forever()
