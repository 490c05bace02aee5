"""The browser face, in a real Chromium (Debian's `chromium`, installed by `make test`) driven by
Playwright: every Swagger UI renders its operations (Swagger UI 5, which reads OpenAPI 3.1), and
a create made from the page — Authorize, Try it out, Execute — is answered as the vendor would.
Screenshots of each step are kept in `test-artifacts/browser/`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import ROOT, TOKEN, VENDORS, valid_body
from mockserver.config import Settings
from mockserver.testing.thread import ServerThread

ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags this machine needs: no sandbox as root, and no background traffic to hosts the
# closed network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def served() -> Iterator[ServerThread]:
    with ServerThread(Settings(quiet=True, seed=5)) as server:
        yield server


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


def _execute(page: Page, body: str) -> tuple[int, str]:
    """Expand the create (ready to try: no "Try it out" click), Execute `body`; the status and
    body the page shows."""
    page.locator(".opblock-summary").first.click()
    assert page.get_by_role("button", name="Try it out").count() == 0, "Try it out is on from the start"
    editor = page.locator("textarea.body-param__text")
    editor.fill(body)
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=20_000)
    shown = page.locator(".live-responses-table .response-col_description .microlight").first.inner_text()
    return int(re.search(r"\d{3}", status.inner_text()).group(0)), shown  # type: ignore[union-attr]


def test_a_create_from_the_page_authorized_with_the_test_token(served: ServerThread, page: Page) -> None:
    page.goto(served.url("agno") + "/ui/")
    page.wait_for_selector(".opblock", timeout=20_000)
    page.get_by_role("button", name=re.compile("Authorize")).first.click()
    page.locator(".modal-ux input[type=text], .modal-ux input[type=password]").first.fill(TOKEN)
    page.locator(".modal-ux button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()
    page.screenshot(path=str(ARTIFACTS / "agno-authorized.png"))

    status, shown = _execute(page, json.dumps(valid_body("agno")))
    page.screenshot(path=str(ARTIFACTS / "agno-created.png"), full_page=True)
    assert 200 <= status < 300, shown
    created = json.loads(shown)
    assert created["memory"] == valid_body("agno")["memory"] and created["memory_id"]

    page.locator("textarea.body-param__text").fill('{"memory": 5}')
    page.get_by_role("button", name="Execute").click()
    page.wait_for_function("() => document.querySelector('.live-responses-table .response .response-col_status')?.innerText.trim().startsWith('4')", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "agno-rejected.png"), full_page=True)
    rejected = json.loads(page.locator(".live-responses-table .response-col_description .microlight").first.inner_text())
    assert "detail" in rejected, rejected

    page.goto(served.url("agno") + "/ui/")  # a fresh load of the page, same browser profile
    page.wait_for_selector(".opblock", timeout=20_000)
    status, shown = _execute(page, json.dumps(valid_body("agno")))
    page.screenshot(path=str(ARTIFACTS / "agno-after-reload.png"), full_page=True)
    assert 200 <= status < 300, f"the token survives a reload: {shown}"
