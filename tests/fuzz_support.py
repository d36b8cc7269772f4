"""What the API fuzz test needs around schemathesis: the Django WSGI application called in-process
inside the test's transaction, a demo family whose objects have small ids, and a runner that
sends a few generated requests per operation and keeps every 5xx with its traceback."""

import logging
import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from django.apps import apps
from django.core.management.color import no_style
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

# A few examples per operation and mode keep the whole run within a couple of minutes on two
# cores; derandomized, the same requests are sent on every run. FUZZ_EXAMPLES=50 digs deeper.
EXAMPLES_PER_MODE = int(os.environ.get("FUZZ_EXAMPLES", "3"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_MODE,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@dataclass
class ServerError:
    """One request answered with a 5xx, and what the server raised."""

    operation: str
    request: str
    status: int
    cause: str
    details: str

    def __str__(self):
        # The end of the traceback says where; its start is the same Django and DRF frames.
        tail = "\n".join(self.details.strip().splitlines()[-12:])
        return f"{self.status} {self.request}\n{tail}"


@dataclass
class FuzzReport:
    requests: int = 0
    errors: list[ServerError] = field(default_factory=list)

    def causes(self) -> dict[str, list[ServerError]]:
        """The 5xx grouped by what raised them (exception type and the line of our code)."""
        grouped: dict[str, list[ServerError]] = {}
        for error in self.errors:
            grouped.setdefault(error.cause, []).append(error)
        return grouped

    def assert_no_server_error(self):
        if self.errors:
            pytest.fail(self.summary(), pytrace=False)

    def summary(self) -> str:
        lines = [f"{len(self.errors)} server error(s) out of {self.requests} requests:"]
        for cause, errors in self.causes().items():
            operations = sorted({error.operation for error in errors})
            lines.append(f"\n=== {cause}: {len(errors)} request(s) to {', '.join(operations)}")
            lines.append(f"e.g. {errors[0]}")
        return "\n".join(lines)


def restart_id_sequences() -> None:
    """Point each table's id sequence just past its largest id (at 1 when it is empty), so that
    the demo objects get the small ids a fuzzer tries first (/api/orders/1/). Rows rolled back
    by earlier tests otherwise leave the sequences far ahead."""
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def load_schema(path: str = "/api/schema/?format=json"):
    """The published OpenAPI schema, loaded by schemathesis, calling the WSGI app in-process."""
    response = Client().get(path)
    assert response.status_code == 200, response.content[:500]
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = get_wsgi_application()
    return schema


def session_for(user) -> tuple[dict[str, str], dict[str, str]]:
    """(cookies, headers) of a browser signed in as `user`, CSRF token included."""
    client = Client()
    client.force_login(user)
    token = _get_new_csrf_string()
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    return cookies, {"X-CSRFToken": token}


class InProcessServer:
    """The WSGI handler inside the test's transaction.

    Django's own test client does the same: a real handler closes the database connection at
    the start and end of each request (close_old_connections), which would end the test's
    transaction. Exceptions are captured through got_request_exception to tell causes apart."""

    def __init__(self):
        self.exceptions: list[str] = []

    def __enter__(self):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        got_request_exception.connect(self._capture)
        # Hundreds of 400s and 404s are the point here: Django's log of each would drown a failure.
        self._request_log = logging.getLogger("django.request")
        self._level = self._request_log.level
        self._request_log.setLevel(logging.CRITICAL)
        return self

    def __exit__(self, *exc):
        self._request_log.setLevel(self._level)
        got_request_exception.disconnect(self._capture)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    def _capture(self, sender, request=None, **kwargs):
        self.exceptions.append(traceback.format_exc())


def _cause(formatted: str) -> str:
    """The exception's type and the innermost frame that raised it, the project's own if any: a
    name for one bug, however many requests hit it."""
    last = formatted.strip().rsplit("Traceback (most recent call last):", 1)[-1]
    frames = [line.strip() for line in last.splitlines() if line.strip().startswith('File "')]
    ours = [frame for frame in frames if "/.venv/" not in frame]
    kind = last.strip().splitlines()[-1].split(":", 1)[0] if last.strip() else "no traceback"
    where = (ours or frames or ["?"])[-1].replace(str(Path.cwd()) + "/", "")
    return f"{kind} at {where}"


def _describe(case) -> str:
    parts = [f"{case.method} {case.formatted_path}"]
    if case.query:
        parts.append(f"query={case.query!r}")
    if case.body is not None and not isinstance(case.body, schemathesis.core.NotSet):
        parts.append(f"body={case.body!r}"[:400])
    if case.headers:
        parts.append(f"headers={case.headers!r}"[:200])
    return " ".join(parts)


def fuzz(schema, *, cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None):
    """Send a few positive and negative cases to every operation of `schema`; each request runs
    in a savepoint rolled back afterwards, so that one (a logout, a deletion) leaves the next
    the same data and session."""
    report = FuzzReport()
    with InProcessServer() as server:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode, path_parameters in _passes(operation):
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=path_parameters
                )
                _fuzz_operation(strategy, operation, mode, server, report, cookies, headers)
    return report


def _passes(operation):
    yield GenerationMode.POSITIVE, None
    yield GenerationMode.NEGATIVE, None
    # Random ids rarely name a row: once more with the demo's objects, which all have id 1.
    ids = small_ids(operation.path)
    if ids:
        yield GenerationMode.POSITIVE, ids


def small_ids(path: str) -> dict | None:
    """Id 1 for each id in the path (None if it has none), `.json` for oscar-api's format."""
    names = re.findall(r"{(\w+)}", path)
    ids = {name: 1 for name in names if name == "id" or name.endswith(("_pk", "_id"))}
    if not ids:
        return None
    if "format" in names:
        ids["format"] = ".json"
    return ids


def _fuzz_operation(strategy, operation, mode, server, report, cookies, headers):
    @FUZZ_SETTINGS
    @given(case=strategy)
    def run(case):
        server.exceptions.clear()
        with transaction.atomic():
            response = case.call(cookies=cookies or {}, headers=headers or {})
            transaction.set_rollback(True)
        report.requests += 1
        if response.status_code >= 500:
            details = server.exceptions[-1] if server.exceptions else response.text[:500]
            report.errors.append(
                ServerError(
                    operation=operation.label,
                    request=_describe(case),
                    status=response.status_code,
                    cause=_cause(details) if server.exceptions else f"{response.status_code}",
                    details=details,
                )
            )

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid (no parameter, no body): the positive cases cover it.
        assert mode is GenerationMode.NEGATIVE
