"""Browser fixtures: Debian's Chromium driven by Playwright, never a browser a test tool downloads.

Without /usr/bin/chromium (make test installs it with apt-get) every browser test skips and says so.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.browser.support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=nb-NO"]


# Module scope, not session: Playwright's sync API keeps an asyncio loop running on the main thread while it is
# open, and every async test collected after the browser tests would find that loop and fail to start its own.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (/usr/bin/chromium); `make test` installs Debian's package with "
                    "apt-get, which needs root and the Debian mirror")
    # The pages under test are the current sources: make rebuilds web/dist only when a source changed.
    subprocess.run(["make", "-s", "web/dist/index.html"], cwd=ROOT, check=True)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
