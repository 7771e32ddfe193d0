"""Error pages of the workbench in the reader's language (the API keeps its JSON errors)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from api.web.blueprint import blp


def _messages() -> dict[int, str]:
    return {
        400: _("The form has expired or was not sent from this page. Go back, reload and try again."),
        403: _("Your token's role may not open this page."),
        404: _("No such page or record."),
        413: _("The upload is too large."),
    }


@blp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> tuple[str, int]:
    code = exc.code or 500
    message = _messages().get(code, _default())
    return render_template("error.html", code=code, message=message), code


@blp.errorhandler(Exception)
def unexpected(exc: Exception) -> tuple[str, int]:
    """An unexpected failure: logged with its traceback, shown as a plain page without it."""
    current_app.logger.exception("unexpected error in the workbench")
    return render_template("error.html", code=500, message=_messages().get(500, _default())), 500


def _default() -> str:
    return _("Something went wrong; the service log has the details.")
