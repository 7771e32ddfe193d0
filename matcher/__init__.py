"""matcher: match community needs (需求清单) with resources (资源清单) and projects (项目清单)."""

from __future__ import annotations

__version__ = "0.1.0"
