"""Helpers for the workbench tests: a browser-like client signed in by a token."""

from __future__ import annotations

import re
from typing import Any

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client: Any, path: str = "/login") -> str:
    """The session's CSRF token, as a page's form carries it."""
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client: Any, headers: dict[str, str]) -> str:
    """Sign ``client`` in with the bearer token in ``headers``; return the session's CSRF token."""
    secret = headers["Authorization"].split(" ", 1)[1]
    response = client.post("/login", data={"token": secret, "csrf": csrf_of(client), "next": "/"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_of(client, "/")
