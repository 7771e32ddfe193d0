"""The workbench's one Flask blueprint (工作台): every screen module adds its routes to ``blp``."""

from __future__ import annotations

from flask import Blueprint

blp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/web-static")
