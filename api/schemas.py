"""Marshmallow schemas: they validate requests and, through flask-smorest, make the OpenAPI
document. Record schemas are derived from the core value objects' fields, so the rules of each
field live once, in :mod:`matcher.domain`; these schemas only check JSON shapes and types."""

from __future__ import annotations

import types
import typing
from dataclasses import fields as dataclass_fields
from enum import Enum

import marshmallow
from marshmallow import ValidationError, fields, pre_load, validate

from matcher.domain import Record
from matcher.io.scenario import LISTS
from matcher.solvers import SOLVERS

ID = validate.Length(min=1, max=200)


def _unstorable(value: typing.Any, path: str) -> typing.Iterator[tuple[str, str]]:
    """Text no database column can hold: NUL characters and lone surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path, "must not contain NUL characters"
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                yield path, "must be valid Unicode text"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable(key, path)
            yield from _unstorable(item, path if path else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _unstorable(item, path)


class Schema(marshmallow.Schema):
    """Refuses, before any field is read, text that cannot be stored."""

    @pre_load
    def _storable(self, data: typing.Any, **_: typing.Any) -> typing.Any:
        """Only the fields the schema reads are looked at (an unknown field is refused anyway; for
        headers, reading every header cost more than the rest of the header schema)."""
        if isinstance(data, typing.Mapping):
            declared = {field.data_key or name for name, field in self.load_fields.items()}
            bad = list(_unstorable({k: data[k] for k in data if k in declared}, ""))
            if bad:
                raise ValidationError({field or "_schema": [message] for field, message in bad})
        return data


STAGES = ("hearing", "running", "evaluated")
#: An order's stages, with "cancelled" for one cancelled at its hearing (听证会).
ORDER_STAGES = (*STAGES, "cancelled")


class Text(fields.String):
    """Text of bounded length."""

    def __init__(self, max_length: int = 200, **kwargs: typing.Any) -> None:
        super().__init__(validate=validate.Length(max=max_length), **kwargs)


def _field_for(annotation: typing.Any, required: bool) -> fields.Field:
    """A JSON field for a value-object field type: text, number, or a list/text of names."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and args:
        return _field_for(args[0], required)
    kwargs: dict[str, typing.Any] = {"required": required, "allow_none": not required}
    if annotation is str:
        return fields.String(validate=validate.Length(max=200), **kwargs)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return fields.String(metadata={"enum": [m.value for m in annotation]}, **kwargs)
    if annotation is int:
        return fields.Integer(strict=True, **kwargs)
    if annotation is float:
        return fields.Float(allow_nan=False, **kwargs)
    # sets and pairs: a JSON list (or mapping, for neighbours) or text separated by ';'
    return fields.Raw(metadata={"description": "a list, or text separated by ';'"}, **kwargs)


def record_schema(list_name: str, *, partial: bool = False) -> type[marshmallow.Schema]:
    """The request schema of one list's records, built from its value object's fields."""
    cls: type[Record] = LISTS[list_name]
    hints = typing.get_type_hints(cls)
    attrs = {f.name: _field_for(hints[f.name], not partial and f.name in cls.mandatory) for f in dataclass_fields(cls)}
    name = f"{cls.__name__}{'Patch' if partial else ''}Schema"
    return Schema.from_dict(attrs, name=name)


class RecordSchema(Schema):
    """A stored record of a list, as its value object reads it."""

    id = fields.String(attribute="record_id")
    list = fields.String(attribute="list_name")
    community = fields.String(allow_none=True)
    data = fields.Dict()
    updated_at = fields.DateTime()


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class RecordQuery(PageArgs):
    community = fields.String(validate=ID)
    category = fields.String(validate=ID, metadata={"description": "service category value, e.g. health"})


class ListQuery(PageArgs):
    community = fields.String(validate=ID)
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv", "xlsx")),
        metadata={"description": "json: one page; csv or xlsx: the whole list as a file"},
    )


class Page(Schema):
    """One page of a listing: the items, how many match in all, and which page this is."""

    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class RecordPageSchema(Page):
    items = fields.List(fields.Nested(RecordSchema))


class ScenarioUploadSchema(Schema):
    scenario = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": ".yaml, .yml, .json or .xlsx scenario"},
    )
    files = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        metadata={"description": "list files the scenario names by path (CSV, XLSX, JSON)"},
    )


class ScenarioSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    policy = fields.Dict()
    settings = fields.Dict()


class OrderCreateSchema(Schema):
    project = fields.String(required=True, validate=ID)
    community = fields.String(required=True, validate=ID)
    venue = fields.String(
        validate=ID,
        metadata={
            "description": "the station (站点) it runs at; required when the project has a venue_type, and of that type"
        },
    )
    slots = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "provider slots; default: the project's provider_slots"},
    )
    note = Text(max_length=2000)


class OrderQuery(PageArgs):
    community = fields.String(validate=ID)
    project = fields.String(validate=ID)
    stage = fields.String(validate=validate.OneOf(ORDER_STAGES))


class OrderSchema(Schema):
    id = fields.Integer()
    scenario_id = fields.Integer()
    project = fields.String()
    community = fields.String()
    venue = fields.String()
    slots = fields.Integer()
    claimed = fields.Integer()
    stage = fields.String()
    score = fields.Float(allow_none=True)
    comments = fields.String()
    note = fields.String()
    cancel_reason = fields.String(metadata={"description": "why it was cancelled at its hearing (听证会)"})
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OrderPageSchema(Page):
    items = fields.List(fields.Nested(OrderSchema))


class StageSchema(Schema):
    """Move an order through the 三会: hearing (听证会) -> running (协调会) -> evaluated (评议会)."""

    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    score = fields.Float(
        allow_nan=False,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "evaluation score 0-100, required to evaluate"},
    )
    comments = Text(max_length=5000)


class CancelSchema(Schema):
    """Cancel an order at its hearing (听证会), saying why."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ClaimCreateSchema(Schema):
    unit = fields.String(required=True, validate=ID, metadata={"description": "the claiming unit (资源 id)"})


class ClaimSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    unit = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ClaimListSchema(Schema):
    items = fields.List(fields.Nested(ClaimSchema))


class ClaimQuery(Schema):
    status = fields.String(validate=validate.OneOf(("active", "withdrawn", "cancelled")))


class TransferCreateSchema(Schema):
    to_unit = fields.String(required=True, validate=ID)


class TransferSchema(Schema):
    id = fields.Integer()
    claim_id = fields.Integer()
    from_unit = fields.String()
    to_unit = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class SolveCreateSchema(Schema):
    solver = fields.String(load_default="auto", validate=validate.OneOf(SOLVERS))
    time_limit = fields.Float(load_default=10.0, allow_nan=False, validate=validate.Range(min=0.1, max=600))
    policy = fields.Raw(
        metadata={"description": "preset name or mapping {preset: name, field: value}; default: the scenario's policy"}
    )


class SolveJobSchema(Schema):
    id = fields.String()
    scenario_id = fields.Integer()
    status = fields.String()
    solver = fields.String()
    time_limit = fields.Float()
    stop_requested = fields.Boolean()
    requested_by = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)
    summary = fields.Dict(allow_none=True)
    progress = fields.Dict(allow_none=True)


class SolveListSchema(Schema):
    items = fields.List(fields.Nested(SolveJobSchema))


class ResultSchema(Schema):
    job = fields.String()
    status = fields.String()
    result = fields.Dict()


class UnmatchedSchema(Schema):
    job = fields.String()
    unmatched_by_reason = fields.Dict(keys=fields.String(), values=fields.Integer())
    unmatched = fields.List(fields.Dict())


class TokenCreateSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(("planner", "community", "unit")))
    subject = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "community or unit id; empty for planners"},
    )
    label = Text()


class TokenSchema(Schema):
    token = fields.String(metadata={"description": "the secret, shown once"})
    role = fields.String()
    subject = fields.String()


class AuditQuery(PageArgs):
    entity = fields.String(validate=ID)
    entity_id = fields.String(validate=ID)
    actor = fields.String(validate=ID)
    action = fields.String(validate=ID)


class AuditSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.String()
    scenario_id = fields.Integer(allow_none=True)
    detail = fields.Dict()


class AuditPageSchema(Page):
    items = fields.List(fields.Nested(AuditSchema))


class IdempotencyHeader(Schema):
    key = fields.String(
        data_key="Idempotency-Key",
        validate=validate.Length(min=1, max=200),
        metadata={"description": "retrying with the same key returns the first claim"},
    )
