"""The Swagger UI page (/docs) in a real browser: headless Chromium renders the operations from
/openapi.json with scripts served by the app itself, so the page works without internet access."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from loadgen import Server  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_docs_page_uses_local_assets(client):
    """/docs names only the app's own /swagger-ui/ assets, and the app serves them."""
    page = client.get("/docs").get_data(as_text=True)
    assert "cdn" not in page and "/swagger-ui/swagger-ui-bundle.js" in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert client.get(f"/swagger-ui/{asset}").status_code == 200


@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium'; .ci/run installs it)"
)
def test_docs_page_renders_in_chromium(sqlite_url, tmp_path):
    """Chromium, with its network access to anything but loopback cut, renders every tag's operations."""
    with Server(sqlite_url, tmp_path / "server.log") as server:
        dom = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--virtual-time-budget=10000",
                "--dump-dom",
                f"http://127.0.0.1:{server.port}/docs",
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=True,
        ).stdout
    assert "opblock-summary-path" in dom  # operations exist only once Swagger UI's scripts ran
    for path in ("/scenarios", "/scenarios/{scenario_id}/solves", "/orders/{order_id}/claims"):
        assert f'data-path="{path}"' in dom, path
