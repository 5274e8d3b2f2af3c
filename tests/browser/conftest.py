"""The browser suite's fixtures: ONE seeded local desk served on 127.0.0.1 for the module, Debian's
Chromium driven by Playwright, and a screenshot of every screen visited saved when a test fails."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.console_site import ConsoleSite
from local.seed import Seeded, local_desk, seed, teams_of
from local.serve import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: this machine's network is closed: no background services, no component or sync traffic
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "build/browser-screenshots"))


@dataclass
class Console:
    """The served desk: its URL, what the seed put there, the local platform server."""

    url: str
    seeded: Seeded
    platforms: Any
    gateway: Any


@dataclass
class Screens:
    """Screenshots of each screen a test visits, kept in memory and written out only on failure."""

    page: Any
    shots: list[tuple[str, bytes]] = field(default_factory=list)

    def saw(self, name: str) -> None:
        self.shots.append((name, self.page.screenshot(full_page=True)))


@pytest.fixture(scope="module")
def console() -> Iterator[Console]:
    """A seeded desk and the console, served on 127.0.0.1 (an OS-chosen port), the stream pumped."""
    metrics = os.environ.get("POWERTOOLS_METRICS_DISABLED")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # no metric lines from the functions on stdout
    with local_desk({"LogLevel": "WARNING"}) as (gateway, platforms):
        seeded = seed(gateway, datetime.now(UTC))
        teams = teams_of(gateway)
        server = make_server(gateway, 0, ConsoleSite(lambda: teams), log=False)
        stop = threading.Event()

        def pump() -> None:
            while not stop.is_set():
                with contextlib.suppress(Exception):
                    gateway.stack.pump()
                stop.wait(0.3)

        threads = [
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True),
            threading.Thread(target=pump, daemon=True),
        ]
        for thread in threads:
            thread.start()
        try:
            yield Console(f"http://127.0.0.1:{server.server_address[1]}", seeded, platforms, gateway)
        finally:
            stop.set()
            server.shutdown()
            server.server_close()
            if metrics is None:
                os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
            else:
                os.environ["POWERTOOLS_METRICS_DISABLED"] = metrics


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium (no browser download), headless, with a fresh user-data-dir."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="socialdesk-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1360, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def screens(browser: Any, request: pytest.FixtureRequest) -> Iterator[Screens]:
    """A new page; every screen it visited is saved as a PNG if the test fails."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    shots = Screens(page)
    yield shots
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):
            shots.saw("at-failure")
        for n, (name, png) in enumerate(shots.shots):
            (folder / f"{n:02d}-{name}.png").write_bytes(png)
        print(f"\nscreenshots of each screen: {folder}")
    page.close()
    assert not errors, f"the page threw: {errors}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


@pytest.fixture(autouse=True)
def fixed_now() -> None:
    """The browser works in real time (the seed is written minutes before now): no fixed clock here."""
