"""Error pages of the workbench in the reader's language (the API keeps its JSON errors)."""

from __future__ import annotations

from flask import render_template
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
    message = _messages().get(code, _("Something went wrong; the service log has the details."))
    return render_template("error.html", code=code, message=message), code
