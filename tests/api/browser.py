"""Helpers for the workbench's browser tests: Debian's Chromium driven by Playwright, with every
request that would leave the server's origin recorded and refused."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Debian's Chromium binary (the /usr/bin/chromium wrapper script execs it).
CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "") if p and os.path.exists(p)), None
)
#: Where the test run writes its screenshots (gitignored); MATCHER_SCREENSHOTS overrides it.
SCREENSHOTS = Path(os.environ.get("MATCHER_SCREENSHOTS", Path(__file__).parents[2] / "screenshots"))


def playwright_ready() -> str:
    """Why the browser tests cannot run here, or "" when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return "" if CHROMIUM else "Chromium is not installed (Debian package 'chromium'; .ci/run installs it)"


@dataclass
class Watch:
    """What a page did wrong: URLs outside the origin it tried to reach (each aborted, so nothing
    left the machine), and answers of 500 or more from the server."""

    left: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)


@contextmanager
def browser_page(origin: str) -> Iterator[tuple[Any, Watch]]:
    """A page of a fresh headless Chromium, and what it did wrong so far."""
    from playwright.sync_api import sync_playwright

    watch = Watch()
    left = watch.left

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(origin + "/") or url == origin or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            left.append(url)
            route.abort()

    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox"],
            # a UTF-8 locale every Debian has: under one that is not installed (the suite sets
            # LC_ALL=en_US.UTF-8) Chromium cannot open an upload whose path holds Chinese
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            context.route("**/*", guard)
            page = context.new_page()
            page.on("response", lambda r: r.status >= 500 and watch.server_errors.append(f"{r.status} {r.url}"))
            yield page, watch
        finally:
            browser.close()


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot under SCREENSHOTS for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
