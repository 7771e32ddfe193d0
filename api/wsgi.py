"""The app as ``matcher serve``'s worker processes load it (``api.wsgi:serve_app``).

``matcher serve`` upgrades the database once, then starts the worker processes; each builds its
app from the settings the command left in the environment (SERVE_SETTINGS, JSON), without
migrating again. A worker stopping (SIGTERM) stops its solve jobs, each keeping its best
solution so far.
"""

from __future__ import annotations

import gc
import json
import os
from multiprocessing.util import Finalize
from typing import Any

from flask import Flask

from api import create_app

#: The environment variable that carries ``matcher serve``'s settings to its workers.
SERVE_SETTINGS = "MATCHER_SERVE_SETTINGS"


def serve_app() -> Flask:
    """A worker's app. Objects made while starting (the app, the solver libraries) are moved out
    of the garbage collector's view: a full collection over them stalled every request for
    about 0.1 s."""
    settings: dict[str, Any] = json.loads(os.environ.get(SERVE_SETTINGS, "{}"))
    app = create_app({**settings, "MIGRATE_ON_START": False})
    # granian's workers are multiprocessing children, which leave without running atexit hooks;
    # multiprocessing runs its own finalizers as a child exits
    Finalize(app, app.extensions["matcher"].runner.shutdown, exitpriority=10)
    gc.collect()
    gc.freeze()
    return app
