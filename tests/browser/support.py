"""What every browser test needs: pages at phone and desktop width, the axe accessibility check and the
screenshots written to web/screenshots/."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops
from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
SCREENSHOTS = WEB / "screenshots"
AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"


@dataclass(frozen=True)
class Width:
    name: str
    width: int
    height: int


PHONE = Width("360", 360, 740)
DESKTOP = Width("desktop", 1280, 860)
WIDTHS = (PHONE, DESKTOP)
# The daily-use journeys (issue 18): a common phone and a common laptop.
PHONE_390 = Width("390", 390, 844)
DESKTOP_1366 = Width("1366", 1366, 900)
JOURNEY_WIDTHS = (PHONE_390, DESKTOP_1366)


def new_context(browser: Browser, width: Width, base_url: str) -> BrowserContext:
    context = browser.new_context(base_url=base_url, viewport={"width": width.width, "height": width.height},
                                  locale="nb-NO", timezone_id="Europe/Oslo", device_scale_factor=1,
                                  reduced_motion="reduce", service_workers="block")
    context.set_default_timeout(15_000)
    return context


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.1 A/AA violations on the page as it is now (axe-core from npm)."""
    # evaluate() runs the script through DevTools, so the portal's CSP (script-src 'self') stays as it is.
    page.evaluate(AXE.read_text())
    result: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, indent=2, ensure_ascii=False)


def screenshot(page: Page, name: str, width: Width) -> Path:
    """The viewport (what a patient sees first) as a small PNG, committed in web/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{width.name}.png"
    png = page.screenshot(full_page=False, animations="disabled", caret="hide")
    # A 256-colour palette keeps the committed files small; flat UI colours survive it unchanged.
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                                 dither=Image.Dither.NONE)
    if not _looks_the_same(path, image):
        image.save(path, optimize=True)
    return path


def _looks_the_same(path: Path, image: Image.Image) -> bool:
    """The palette can pick a shade or two differently from run to run (anti-aliased text): such a file is kept,
    so the committed screenshots change only when a page does."""
    if not path.exists():
        return False
    old = Image.open(path).convert("RGB")
    new = image.convert("RGB")
    if old.size != new.size:
        return False
    histogram = ImageChops.difference(old, new).convert("L").histogram()
    return sum(histogram[48:]) == 0 and sum(histogram[1:]) < 0.002 * new.width * new.height
