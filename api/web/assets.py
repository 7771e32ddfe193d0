"""Front-end files shipped inside installed packages, served from this origin: plotly.js comes in
the ``plotly`` wheel (``plotly/package_data/plotly.min.js``), so charts need no CDN and no build."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from functools import cache
from pathlib import Path

from flask import send_file
from werkzeug.wrappers import Response

from api.web.blueprint import blp

#: A year: the URL carries the package version, so a new version is a new URL.
CACHE_SECONDS = 365 * 24 * 3600


@cache
def plotly_js() -> Path:
    """plotly.min.js inside the installed plotly package (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package is not installed: pip install -e . installs it")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"


@cache
def plotly_version() -> str:
    return importlib.metadata.version("plotly")


@blp.get("/web-assets/plotly-<version>.min.js")
def plotly(version: str) -> Response:
    """plotly.js, cached for a year by the browser (the version is in the URL)."""
    return send_file(plotly_js(), mimetype="text/javascript", max_age=CACHE_SECONDS)
