"""The front page (首页), signing in by token and signing out."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from api.web.blueprint import blp
from api.web.screens import menu_for
from api.web.session import login_required, safe_next, sign_in, sign_out, signed_in


@blp.get("/")
@login_required()
def home() -> str:
    """What this person can do, by their token's role."""
    principal = signed_in()
    assert principal is not None
    return render_template("home.html", screens=menu_for(principal.role))


@blp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """The token form; a live token signs in and goes on to the page asked for."""
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    if sign_in(request.form.get("token", "")) is None:
        error = _("This token is unknown or has been revoked.")
        return render_template("login.html", next=request.form.get("next", ""), error=error), 401
    return redirect(safe_next(request.form.get("next")))


@blp.post("/logout")
def logout() -> Response:
    sign_out()
    return redirect(url_for("web.login"))
