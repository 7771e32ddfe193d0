"""Issue 11, item 11: ``matcher serve`` refuses a port in use (a second server silently shared it),
says which database it opened, and ``GET /`` points to the documentation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from loadgen import SERVE, Server, request  # noqa: E402


def test_second_server_on_a_port_in_use_is_refused(tmp_path):
    """The first server says which database it opened (with SQLite's default of 8 request threads);
    a second one on its port exits with 2 and names the port, and the first keeps answering."""
    url = f"sqlite:///{tmp_path / 'first.db'}"
    with Server(url, tmp_path / "first.log", workers=1) as server:
        assert f"1 processes x 8 threads; database {url}" in (tmp_path / "first.log").read_text()
        second = subprocess.run(
            [
                sys.executable,
                "-c",
                SERVE,
                "serve",
                "--port",
                str(server.port),
                "--database",
                f"sqlite:///{tmp_path / 'second.db'}",
                "--workers",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2, second.stdout + second.stderr
        assert f"127.0.0.1:{server.port}" in second.stderr and "--port" in second.stderr
        assert request(server.port, "GET", "/openapi.json")[0] == 200
    assert not (tmp_path / "second.db").exists()  # refused before it opened anything


def test_front_page_points_to_the_docs(client):
    """GET / without a session sends the browser to the workbench's login page, which links /docs."""
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'href="/docs"' in page.get_data(as_text=True)
