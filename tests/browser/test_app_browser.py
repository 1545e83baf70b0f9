"""A lesson's demo app (``make app LESSON=01``) works as a Voila page in headless Chromium.

The test starts Voila on ``apps/01_finetune_lab.ipynb`` as ``make app`` does (the repo's
``tlwidgets-app`` template), on a free loopback port with throw-away Jupyter folders and in its
own process group; the environment
(``TLW_SMOKE=1``, ``MPLBACKEND=Agg``, the offline guard) comes from ``tests/conftest.py`` and
reaches the kernel. It opens the page, waits for the FineTuneLab, trains once and reads the
result inside the widget's own root. The page must show no code, log no error and ask no
address other than the Voila server's. A screenshot is saved to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
from playwright.sync_api import Page, Request, expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, BrowserErrors
from tests.browser.screen_reader import check_screen_reader
from tests.lab_server import STOP_TIMEOUT_S, free_loopback_port, stop_group

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "apps" / "01_finetune_lab.ipynb"
TEMPLATES = REPO / "jupyter"  # holds voila/templates/tlwidgets-app
SCREENSHOT = "app_finetune_lab.png"
START_TIMEOUT_S = 60
RENDER_TIMEOUT_MS = 90_000  # the kernel starts and runs the app's cell (loads MNIST)
TRAIN_TIMEOUT_MS = 90_000  # one smoke-budget run in FineTuneLab
VIEWPORT = {"width": 1280, "height": 1600}

# The rows of an HTML table, each a {column header: cell text} object.
TABLE_ROWS = """table => {
    const heads = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
    return [...table.querySelectorAll("tbody tr")].map(tr => Object.fromEntries(
        [...tr.cells].map((cell, i) => [heads[i] ?? String(i), cell.textContent.trim()])));
}"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # conftest skips without Chromium


def wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> bool:
    """Wait until something accepts connections on 127.0.0.1:``port`` (True).

    False if ``process`` exits or ``timeout`` s pass first. A port, not a URL: Voila has no
    status endpoint, and asking for its page would start a kernel.
    """
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.3)
    return False


@dataclass
class VoilaServer:
    """A running Voila server that shows one app notebook at ``url``."""

    url: str  # "http://127.0.0.1:<port>/"
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def log(self) -> str:
        """What the server wrote so far (for failure messages)."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def voila_server(tmp_path: Path) -> Iterator[VoilaServer]:
    """Start Voila on ``APP`` as ``make app`` does; stop its process group (and kernel) after."""
    port = free_loopback_port()
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[name] = str(tmp_path / name.lower())
    env["JUPYTER_PATH"] = str(TEMPLATES)  # where `make app` finds its Voila template
    command = [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--Voila.ip=127.0.0.1",
        "--template=tlwidgets-app",  # as `make app`: Voila's lab template without CDN links
        "--show_tracebacks=True",  # a failing cell shows its traceback on the page
        str(APP),
    ]
    log_path = tmp_path / "voila.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one below
        )
    server = VoilaServer(f"http://127.0.0.1:{port}/", log_path, process)
    started: list[psutil.Process] = []
    try:
        assert wait_for_port(port, process, START_TIMEOUT_S), (
            f"Voila did not start:\n{server.log()}"
        )
        yield server
    finally:
        try:
            started = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            started = []
        stopped = stop_group(process)

    assert stopped, f"Voila did not stop within {STOP_TIMEOUT_S} s:\n{server.log()}"
    _, alive = psutil.wait_procs(started, timeout=STOP_TIMEOUT_S)
    for leftover in alive:
        leftover.kill()
    assert not alive, f"processes left after Voila stopped: {alive}\n{server.log()}"


@dataclass
class OffsiteRequests:
    """Addresses the page asked for that are not on the loopback interface."""

    urls: list[str] = field(default_factory=list)

    def add(self, request: Request) -> None:
        """Keep ``request``'s address unless it is local (loopback, data:, blob:)."""
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in (
            "127.0.0.1",
            "localhost",
        ):
            self.urls.append(request.url)


@pytest.fixture
def app_page(voila_server: VoilaServer) -> Iterator[tuple[Page, BrowserErrors, OffsiteRequests]]:
    """A headless Chromium page, its logged errors and its off-site requests."""
    errors, offsite = BrowserErrors(), OffsiteRequests()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.on("console", errors.add_console_message)
            page.on("pageerror", errors.add_page_error)
            page.on("request", offsite.add)
            yield page, errors, offsite
        finally:
            browser.close()


@pytest.mark.timeout(240)
def test_finetune_lab_app_trains_in_voila(voila_server, app_page, artifacts_dir):
    page, errors, offsite = app_page
    try:
        page.goto(voila_server.url)
        lab = page.locator(".tlw-finetune-lab")
        expect(lab).to_be_visible(timeout=RENDER_TIMEOUT_MS)
        expect(page.locator("h1")).to_contain_text("Fine-tuning lab")

        # Voila strips code cells: no code input, and none of the app's code, is on the page.
        expect(page.locator(".jp-CodeCell .jp-InputArea, .jp-Editor, .highlight")).to_have_count(0)
        page_text = page.locator("body").inner_text()
        assert "load_domain" not in page_text and "import" not in page_text, page_text[:2000]

        # The accessible name starts with the icon's glyph, so match the end of it.
        lab.get_by_role("button", name=re.compile(r"^\W*Train$")).click()
        status = lab.locator(".tlw-status")
        expect(status).to_contain_text(
            re.compile(r"Finished run 1|Error"), timeout=TRAIN_TIMEOUT_MS
        )
        text = status.inner_text()
        assert "Finished run 1" in text, f"FineTuneLab status after Train: {text!r}"
        assert re.search(r"\d+(\.\d+)?\s*%", text), f"no accuracy percentage in status {text!r}"

        table = lab.locator(".tlw-runs-table table")
        expect(table).to_be_visible()
        rows = table.evaluate(TABLE_ROWS)
        assert any(row.get("run") == "1" for row in rows), f"no row for run 1: {rows}"
        # Checked once every view is drawn (Voila shows a spinner, an unnamed picture, until
        # then): ScreenReaderAid, an anywidget, runs in Voila too.
        check_screen_reader(lab, status_lines=1)
    except Exception:
        # Shown under "Captured stdout" with the failure: what the page and server said.
        print("browser errors:\n" + (errors.report() or "  (none)"))
        print("Voila log (end):\n" + voila_server.log()[-4000:])
        raise
    finally:
        page.screenshot(path=artifacts_dir / SCREENSHOT, full_page=True)

    assert not errors.messages, "the browser logged errors:\n" + errors.report()
    assert not offsite.urls, "the page asked for off-site addresses:\n" + "\n".join(offsite.urls)
