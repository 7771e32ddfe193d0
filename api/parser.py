"""The request parser of every view: webargs' Flask parser, where a JSON body nested deeper than
MAX_DEPTH is a malformed body (400), never a RecursionError (500) in the parser or a schema."""

from __future__ import annotations

import json
from typing import Any

from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser

#: Deepest nesting of arrays and objects a request body may have; no endpoint takes more than 3.
MAX_DEPTH = 32


def depth(value: Any) -> int:
    """How deeply ``value``'s lists and mappings nest (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


class Parser(FlaskParser):
    def _raw_load_json(self, req: Any) -> Any:
        try:
            data = super()._raw_load_json(req)
        except RecursionError:
            data = None
        else:
            if depth(data) <= MAX_DEPTH:
                return data
        raise json.JSONDecodeError(f"JSON nested more than {MAX_DEPTH} deep", "(body)", 0)


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint with :class:`Parser`."""

    ARGUMENTS_PARSER = Parser()
