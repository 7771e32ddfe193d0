"""``GET /``: a page that points to the API's documentation (a web workbench will replace it)."""

from __future__ import annotations

from flask import Blueprint, Response

blp = Blueprint("home", __name__)

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>matcher 社区资源匹配服务</title></head>
<body>
<h1>matcher 社区资源匹配服务</h1>
<p>需求清单、资源清单、项目清单的匹配与认领服务 (matching needs with resources; orders and claims).</p>
<p><a href="/docs">接口文档 API documentation (Swagger UI): /docs</a> ·
<a href="/openapi.json">OpenAPI: /openapi.json</a></p>
<p>每个请求都要带上令牌：<code>Authorization: Bearer TOKEN</code> (every request sends a token;
<code>matcher tokens create</code> issues one).</p>
</body></html>
"""


@blp.get("/")
def index() -> Response:
    """The service's front page: where the documentation is."""
    return Response(PAGE, mimetype="text/html")
