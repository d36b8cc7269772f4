"""Browser helpers shared by the end-to-end tests and scripts/page_weights.py.

Nothing here imports Django: the script runs them against any server (`make run`), the tests
against the live server of tests/e2e/conftest.py.

- `launch_chromium(playwright)`: Debian's Chromium (never a browser that Playwright downloads).
- `screenshot(page, step)`: a full-page PNG under var/e2e-artifacts/<viewport>/<NN>-<step>.png.
- `assert_accessible(page)`: axe-core in the page; fails on any serious or critical violation.
- `page_weight(page, url)`: the bytes of a first load (cold cache), by kind of resource.
- `api_log_in(context, base_url, email, password)`: a session cookie without the HTML form.
- `wait_for_email(outbox, to=..., subject=...)`: the last matching message sent.
- `is_csp_violation(type, text)`: whether a console message is Chromium refusing something the
  page's Content-Security-Policy does not allow.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urljoin, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # The demo's second site: Chromium resolves *.localhost to loopback, IPv6 first; the live
    # server listens on 127.0.0.1 only, so skip the ::1 attempt.
    "--host-resolver-rules=MAP *.localhost 127.0.0.1",
]
ARTIFACTS_DIR = Path(os.environ.get("E2E_ARTIFACTS", REPO_ROOT / "var" / "e2e-artifacts"))
# The budget: no page over 300 KB of assets on its first load.
PAGE_WEIGHT_BUDGET = 300 * 1024
BLOCKING_IMPACTS = ("serious", "critical")


class ChromiumMissing(RuntimeError):
    pass


def launch_chromium(playwright):
    """Debian's `chromium` package, headless. A clear error when it is not installed: the
    tests must fail then, never skip (CI sets FORBID_SKIPS=1)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        raise ChromiumMissing(
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(`apt-get install -y chromium chromium-driver`, as .ci/run does) "
            "or point the CHROMIUM environment variable at a Chromium binary."
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# --- Screenshots ------------------------------------------------------------------------------

_shot_counters: dict[str, int] = {}


_artifacts_reset = False


def reset_artifacts() -> Path:
    """Empty the artifacts folder, once per process (a test run): the numbers restart at 01."""
    global _artifacts_reset
    if not _artifacts_reset:
        shutil.rmtree(ARTIFACTS_DIR, ignore_errors=True)
        _shot_counters.clear()
        _artifacts_reset = True
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR


def viewport_name(page) -> str:
    size = page.viewport_size or {"width": 0, "height": 0}
    return f"{size['width']}x{size['height']}"


def screenshot(page, step: str) -> Path:
    """Save a full-page PNG as var/e2e-artifacts/<viewport>/<NN>-<step>.png and return its path.
    NN counts the shots of that viewport in this run, so a folder lists the steps in order."""
    viewport = viewport_name(page)
    number = _shot_counters.get(viewport, 0) + 1
    _shot_counters[viewport] = number
    slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-") or "step"
    path = ARTIFACTS_DIR / viewport / f"{number:02d}-{slug}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


# --- Accessibility ----------------------------------------------------------------------------


@cache
def axe_source() -> str:
    """axe-core's axe.min.js, as bundled by the PyPI package axe-playwright-python (no CDN)."""
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


def run_axe(page, options: dict | None = None) -> dict:
    """Run axe-core in the page and return its results (violations only by default)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    options = {"resultTypes": ["violations"], **(options or {})}
    return page.evaluate("options => window.axe.run(document, options)", options)


def blocking_violations(results: dict) -> list[dict]:
    return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def format_violations(violations: list[dict], url: str = "") -> str:
    lines = [f"{len(violations)} serious/critical accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']}"
            f" ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:10]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}")
            lines.append(f"       {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n         ")
            if summary:
                lines.append(f"       {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more element(s)")
    return "\n".join(lines)


def assert_accessible(page, *, disable_rules: tuple[str, ...] = ()) -> dict:
    """Fail on any serious or critical axe-core violation of the page as it is now, with a
    report naming each rule and element. `disable_rules` turns off axe rules by id (say why)."""
    options = {"rules": {rule: {"enabled": False} for rule in disable_rules}}
    results = run_axe(page, options)
    violations = blocking_violations(results)
    assert not violations, format_violations(violations, page.url)
    return results


# --- Page weight ------------------------------------------------------------------------------

KINDS = {
    "document": "html",
    "stylesheet": "css",
    "script": "js",
    "image": "images",
    "font": "fonts",
}


@dataclass
class PageWeight:
    url: str
    status: int | None = None
    by_kind: dict[str, int] = field(default_factory=dict)
    # (kind, url, bytes, HTTP status) of every response
    resources: list[tuple[str, str, int, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def bytes_of(self, kind: str) -> int:
        return self.by_kind.get(kind, 0)

    @property
    def failed(self) -> list[str]:
        """The resources that answered an error (a missing logo, a 404 stylesheet)."""
        return [f"{status} {url}" for _, url, _, status in self.resources if status >= 400]

    def describe(self) -> str:
        lines = [f"{self.url}: {self.total} bytes"]
        lines += [
            f"  {kind:6} {size:>9}  {status}  {url}" for kind, url, size, status in self.resources
        ]
        return "\n".join(lines)


# Every measure of this run, for the table pytest prints at the end (tests/e2e/conftest.py).
MEASURED: list[tuple[str, PageWeight]] = []
TABLE_KINDS = ("html", "css", "js", "images", "fonts", "other")


def weights_table(rows: list[tuple[str, PageWeight]]) -> list[str]:
    """[(label, weight)] as aligned text lines: bytes per kind and the total."""
    width = max([len("page")] + [len(label) for label, _ in rows])
    header = f"{'page':<{width}}" + "".join(f" {kind:>8}" for kind in TABLE_KINDS)
    lines = [header + f" {'total':>8}"]
    for label, weight in rows:
        sizes = "".join(f" {weight.bytes_of(kind):>8}" for kind in TABLE_KINDS)
        lines.append(f"{label:<{width}}{sizes} {weight.total:>8}")
    return lines


def page_weight(page, url: str, *, wait_until: str = "load", label: str = "") -> PageWeight:
    """The bytes of every resource of a first load of `url`: a new browser context (cold cache)
    with the page's viewport and cookies (a logged-in page stays logged in). Sizes are the
    decoded bodies (what a response weighs uncompressed: the stricter measure). A relative `url`
    is resolved against the page's current URL."""
    if not urlsplit(url).scheme:
        url = urljoin(page.url, url)
    context = page.context.browser.new_context(
        viewport=page.viewport_size, storage_state=page.context.storage_state()
    )
    weight = PageWeight(url=url)
    responses = []
    try:
        cold = context.new_page()
        cold.on("response", lambda response: responses.append(response))
        main = cold.goto(url, wait_until=wait_until)
        weight.status = main.status if main else None
        # Lazy images and late requests: wait until the network is quiet (bounded).
        try:
            cold.wait_for_load_state("networkidle", timeout=5_000)
        except Exception:  # a page that keeps polling is still measured
            pass
        for response in responses:
            if 300 <= response.status < 400:
                continue  # a redirect has no body; its target is counted
            try:
                response.finished()  # the whole body, not what had arrived so far
                size = len(response.body())
            except Exception:  # body gone (navigated away): count nothing
                size = 0
            kind = KINDS.get(response.request.resource_type, "other")
            weight.by_kind[kind] = weight.by_kind.get(kind, 0) + size
            weight.resources.append((kind, response.url, size, response.status))
    finally:
        context.close()
    viewport = page.viewport_size or {}
    parts = urlsplit(url)
    where = parts.path + (f"?{parts.query}" if parts.query else "")
    MEASURED.append((label or f"{where} @{viewport.get('width', '?')}px", weight))
    return weight


# --- Content-Security-Policy ----------------------------------------------------------------


def is_csp_violation(message_type: str, text: str) -> bool:
    """Chromium logs each refusal as a console error: "Refused to execute inline script because
    it violates the following Content Security Policy directive: …"."""
    return message_type == "error" and (
        text.startswith("Refused to") or "Content Security Policy" in text
    )


# --- E-mail ---------------------------------------------------------------------------------


def wait_for_email(outbox, *, to: str, subject: str = "", timeout: float = 5.0):
    """The last e-mail sent to `to` whose subject contains `subject`, waiting for it a little
    (the server's thread sends it after its commit)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in outbox if to in m.to and subject in m.subject]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            sent = [(m.to, m.subject) for m in outbox]
            raise AssertionError(f"no e-mail to {to} about {subject!r}; sent: {sent}")
        time.sleep(0.05)


# --- Logging in without the form --------------------------------------------------------------


def api_log_in(context, base_url: str, email: str, password: str) -> None:
    """Log the browser context in through the JSON API (GET the CSRF cookie, POST /api/login/):
    the context's pages then share the session cookie."""
    csrf = context.request.get(urljoin(base_url, "/api/accounts/csrf/"))
    assert csrf.ok, f"GET /api/accounts/csrf/ answered {csrf.status}"
    token = csrf.json()["csrfToken"]
    login = context.request.post(
        urljoin(base_url, "/api/login/"),
        data={"username": email, "password": password},
        headers={"X-CSRFToken": token, "Referer": base_url},
    )
    assert login.ok, f"POST /api/login/ answered {login.status}: {login.text()[:300]}"
