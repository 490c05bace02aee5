"""The browser face, in a real Chromium (Debian's `chromium`, installed by `make test`) driven by
Playwright: every Swagger UI renders its operations (Swagger UI 5, which reads OpenAPI 3.1); a
create made from the page — Authorize, Try it out, Execute — is answered as the vendor would and
shows up live in the request inspector with its problems; Reset empties it; a page on another
origin may call the APIs but not the admin API; an edited document shows on reload with no
restart. Screenshots of each step are kept in `test-artifacts/browser/`."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

from conftest import ROOT, SPECS, TOKEN, VENDORS, valid_body

ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags this machine needs: no sandbox as root, and no background traffic to hosts the
# closed network refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of the five documents, which the hot-reload test edits."""
    folder = tmp_path_factory.mktemp("specs")
    for vendor in VENDORS:
        shutil.copy(SPECS / f"{vendor}.yaml", folder)
    return folder


@pytest.fixture(scope="module")
def served(specs: Path) -> Iterator[ServerThread]:
    with ServerThread(Settings(specs=specs, quiet=True, seed=5, watch=True)) as server:
        yield server


class _Blank(BaseHTTPRequestHandler):
    """A page of another site: nothing but an empty document."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>elsewhere</title><p>another site"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Silent."""


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[str]:
    """The origin of another site, served on another loopback port."""
    site = ThreadingHTTPServer(("127.0.0.1", 0), _Blank)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.server_address[1]}"
    site.shutdown()
    site.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "chromium is missing: `make test` installs it (Debian package chromium)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.mark.parametrize("api", VENDORS)
def test_every_swagger_ui_renders_its_operations_with_swagger_ui_5(served: ServerThread, page: Page, api: str) -> None:
    page.goto(served.url(api) + "/ui/")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".errors-wrapper").count() == 0, page.locator(".errors-wrapper").inner_text()
    assert page.locator(".opblock").count() >= 1
    version = page.evaluate("() => window.versions.swaggerUI.version")
    assert int(version.split(".")[0]) >= 5, version
    page.screenshot(path=str(ARTIFACTS / f"{api}-ui.png"), full_page=True)


def _execute(page: Page, body: str | None = None) -> tuple[int, str]:
    """Expand the create (ready to try: no "Try it out" click), Execute `body` (or the body the
    page offers); the status and body the page shows."""
    page.locator(".opblock-summary").first.click()
    assert page.get_by_role("button", name="Try it out").count() == 0, "Try it out is on from the start"
    editor = page.locator("textarea.body-param__text")
    if body is not None:
        editor.fill(body)
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=20_000)
    shown = page.locator(".live-responses-table .response-col_description .microlight").first.inner_text()
    return int(re.search(r"\d{3}", status.inner_text()).group(0)), shown  # type: ignore[union-attr]


def test_a_create_from_the_page_shows_live_in_the_inspector(served: ServerThread, page: Page) -> None:
    httpx.post(served.root + "/__admin/reset")
    inspector = page.context.new_page()
    inspector.goto(served.root + "/__admin/")
    inspector.wait_for_selector("#empty", state="visible")

    page.goto(served.url("agno") + "/ui/")
    page.wait_for_selector(".opblock", timeout=20_000)
    page.get_by_role("button", name=re.compile("Authorize")).first.click()
    page.locator(".modal-ux input[type=text], .modal-ux input[type=password]").first.fill(TOKEN)
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()
    page.screenshot(path=str(ARTIFACTS / "agno-authorized.png"))

    page.locator(".opblock-summary").first.click()
    offered = page.locator("textarea.body-param__text").input_value()
    assert json.loads(offered) == valid_body("agno"), "Try it out starts from the fixture's realistic body"
    page.locator(".opblock-summary").first.click()
    status, shown = _execute(page)
    page.screenshot(path=str(ARTIFACTS / "agno-created.png"))
    assert 200 <= status < 300, shown
    created = json.loads(shown)
    assert created["memory"] == valid_body("agno")["memory"] and created["memory_id"]

    page.locator("textarea.body-param__text").fill('{"memory": 5}')
    page.get_by_role("button", name="Execute").click()
    page.wait_for_function(
        "() => document.querySelector('.live-responses-table .response .response-col_status')?.innerText.trim().startsWith('4')",
        timeout=20_000,
    )
    page.screenshot(path=str(ARTIFACTS / "agno-rejected.png"))
    rejected = json.loads(
        page.locator(".live-responses-table .response-col_description .microlight").first.inner_text()
    )
    assert set(rejected) == {"detail", "error_code"} and "body.memory" in rejected["detail"], rejected

    row = inspector.locator("tr.entry", has_text="422")
    row.wait_for(timeout=10_000)  # live: the inspector was not reloaded
    assert inspector.locator("tr.entry").count() == 2
    row.click()
    problems = inspector.locator("ul.problems li")
    assert problems.all_inner_texts() == ["body.memory: Input should be a valid string"]
    assert json.loads(inspector.locator("pre.request-body").inner_text()) == {"memory": 5}
    inspector.screenshot(path=str(ARTIFACTS / "inspector.png"))

    inspector.get_by_role("button", name="Reset").click()
    inspector.wait_for_selector("#empty", state="visible", timeout=10_000)
    assert inspector.locator("tr.entry").count() == 0
    assert httpx.get(served.root + "/__admin/requests").json()["requests"] == []
    inspector.screenshot(path=str(ARTIFACTS / "inspector-reset.png"))

    page.locator('tr[data-param-name="Prefer"] select').select_option("code=404")
    page.locator("textarea.body-param__text").fill(json.dumps(valid_body("agno")))
    page.get_by_role("button", name="Execute").click()
    page.wait_for_function(
        "() => document.querySelector('.live-responses-table .response .response-col_status')?.innerText.trim().startsWith('404')",
        timeout=20_000,
    )
    page.screenshot(path=str(ARTIFACTS / "agno-prefer-404.png"))
    assert httpx.get(served.root + "/__admin/requests").json()["requests"][-1]["headers"]["prefer"] == "code=404"

    page.goto(served.url("agno") + "/ui/")  # a fresh load of the page, same browser profile
    page.wait_for_selector(".opblock", timeout=20_000)
    status, shown = _execute(page, json.dumps(valid_body("agno")))
    page.screenshot(path=str(ARTIFACTS / "agno-after-reload.png"))
    assert 200 <= status < 300, f"the token survives a reload: {shown}"


_ATTEMPTS = """async ({mock, token, body}) => {
  const outcome = async (call) => { try { const r = await call(); return r.type === "opaque" ? "opaque" : r.status; } catch (e) { return "blocked"; } };
  const create = await fetch(mock + "/agno/memories", {method: "POST", headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json"}, body});
  return {
    create: create.status, created: await create.json(),
    readJournal: await outcome(() => fetch(mock + "/__admin/requests")),
    resetJson: await outcome(() => fetch(mock + "/__admin/reset", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"})),
    resetSimple: await outcome(() => fetch(mock + "/__admin/reset", {method: "POST", mode: "no-cors"})),
    resetText: await outcome(() => fetch(mock + "/__admin/reset", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: "{}"})),
  };
}"""


def test_another_origin_may_call_the_apis_but_not_the_admin_api(
    served: ServerThread, page: Page, elsewhere: str
) -> None:
    httpx.post(served.root + "/__admin/reset")
    page.goto(elsewhere)
    seen = page.evaluate(_ATTEMPTS, {"mock": served.root, "token": TOKEN, "body": json.dumps(valid_body("agno"))})
    page.screenshot(path=str(ARTIFACTS / "cross-origin.png"))
    assert seen["create"] == 200 and seen["created"]["memory"] == valid_body("agno")["memory"]
    assert seen["readJournal"] == "blocked"  # no CORS grant: the page cannot read it
    assert seen["resetJson"] == "blocked"  # its preflight is refused
    assert seen["resetSimple"] == seen["resetText"] == "opaque"  # no preflight: sent, and refused with 403
    journal = httpx.get(served.root + "/__admin/requests").json()["requests"]
    assert [entry["status"] for entry in journal] == [200], "the journal was not reset"


def test_an_edited_document_shows_on_reload_without_a_restart(served: ServerThread, page: Page, specs: Path) -> None:
    page.goto(served.url("memoryplugin") + "/ui/")
    page.wait_for_selector(".opblock", timeout=20_000)
    before = page.locator(".info .title").inner_text()
    file = specs / "memoryplugin.yaml"
    text = file.read_text()
    title = re.search(r"^  title: (.+)$", text, re.MULTILINE)
    assert title is not None
    file.write_text(text.replace(title.group(0), f"  title: {title.group(1)} (edited)", 1))
    deadline = time.monotonic() + 15
    while not httpx.get(served.url("memoryplugin") + "/openapi.json").json()["info"]["title"].endswith("(edited)"):
        assert time.monotonic() < deadline, "the edit was not picked up"
        time.sleep(0.05)
    page.reload()
    page.wait_for_selector(".opblock", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "memoryplugin-edited.png"))
    after = page.locator(".info .title").inner_text()
    assert "(edited)" in after and "(edited)" not in before
