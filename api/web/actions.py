"""Changes the projects-and-claims screens make (点单, 三会, 认领, transfers): each runs the API's
own service (:mod:`api.claims`) in one write transaction, where it is checked and audited; a
refusal comes back as the text the page shows, the claim rule named in the page's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError
from sqlalchemy.orm import Session

from api import claims as service
from api.errors import ApiError
from api.views.common import claims_writer, rules, store
from api.web.terms import CLAIM_RULES, claim_rule_text


def loaded(schema: Schema, form: Mapping[str, str], numbers: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """A form's fields (blank ones left out; ``numbers`` read as numbers) checked by the API's own
    request schema: the values, or the field errors as the page shows them."""
    data: dict[str, Any] = {k: v for k, v in form.items() if k in schema.fields and v.strip()}
    for name in numbers:
        if name in data:
            data[name] = _number(data[name])
    try:
        return schema.load(data), ""
    except ValidationError as exc:
        problems = "; ".join(f"{field}: {' '.join(map(str, m))}" for field, m in exc.normalized_messages().items())
        return {}, _("Refused (%(code)s): %(message)s", code=422, message=problems)


def _number(text: str) -> Any:
    """A whole number as int, another number as float, anything else as sent (the schema says why)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def attempt(work: Callable[[Session], Any], with_rules: bool = False) -> str:
    """Run ``work`` in a write transaction (building claim rules first when it needs them);
    return "" when it was done, else why it was refused."""
    try:
        if with_rules:
            service.write_with_rules(claims_writer(), rules(), work)
        else:
            with store().write() as session:
                work(session)
    except ApiError as exc:
        return refusal(exc)
    return ""


def refusal(exc: ApiError) -> str:
    """The service's refusal: a broken claim rule by its name, other field errors as sent."""
    details = [
        _rule_or_text(message) for fields in exc.errors.values() for messages in fields.values() for message in messages
    ]
    return _("Refused (%(code)s): %(message)s", code=exc.code, message="; ".join(details) or exc.message)


def _rule_or_text(message: str) -> str:
    """``skills: …`` (the service's field message for a broken claim rule) as the rule's text."""
    code = message.split(":", 1)[0]
    return claim_rule_text(code) if code in CLAIM_RULES else message
