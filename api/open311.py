"""Open311 GeoReport v2 (the open standard of city service-request systems) over live dispatch:
its services are matcher's seven service categories, its requests are needs taken in live.

- ``service_code`` is the category's value (``health``); ``service_name`` its Chinese name first.
- A request's place is a community: ``address_id`` is the community id (``address_string`` may
  also name the community by id or name); WGS84 ``lat``/``long`` cannot be placed, as scenarios
  place communities in km, not degrees.
- ``attribute[urgency]`` picks the urgency level (default 一般 normal), ``attribute[tier]`` the tier;
  ``description`` becomes the need's title.
- Status: ``open`` while the need is being served; notes say whether it waits, is proposed or is
  published (派单), and ``agency_responsible`` names the published resources.

Rendering follows the standard: XML (``text/xml``, no namespace) or JSON (the Spark convention:
a list), errors as ``<errors><error><code/><description/></error></errors>`` or
``[{"code", "description"}]``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from matcher.problem import Problem
from matcher.vocabulary import Category, Tier, Urgency, Vocabulary

FORMATS = ("json", "xml")
#: Fields of a service in GET services, in the standard's order.
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
#: Fields of a request in GET requests and GET requests/{id}, in the standard's order.
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
#: Fields of the answer to POST requests.
CREATED_FIELDS = ("service_request_id", "service_notice", "account_id")
#: Service attributes a request may carry (attribute[code]=value), with their values.
ATTRIBUTES: dict[str, type[Vocabulary]] = {"urgency": Urgency, "tier": Tier}
_GROUP = "家门口服务 doorstep services"
_STATUS_NOTES = {
    "waiting": "待派单 waiting for a resource",
    "proposed": "已拟派 proposed in the plan",
    "published": "已派单 published to its resource",
}


class Open311Error(Exception):
    """An error answered in the standard's format with an HTTP status (400, 403 or 404)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


def services() -> list[dict[str, Any]]:
    """GET services: one service per service category."""
    return [
        {
            "service_code": c.value,
            "service_name": f"{c.label} {c.value.replace('_', ' ')}",
            "description": f"{c.label}: needs of the {c.value.replace('_', ' ')} category (需求清单)",
            "metadata": True,
            "type": "realtime",
            "keywords": f"{c.label}, {c.value}",
            "group": _GROUP,
        }
        for c in Category
    ]


def service_definition(code: str) -> dict[str, Any]:
    """GET services/{code}: the attributes a request of this service may carry."""
    category = category_of(code)
    attributes = []
    for order, (name, enum) in enumerate(ATTRIBUTES.items(), 1):
        attributes.append(
            {
                "variable": True,
                "code": name,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": f"one of {', '.join(m.value for m in enum)}",
                "order": order,
                "description": f"{name} of the need",
                "values": [{"key": m.value, "name": m.label} for m in enum],
            }
        )
    return {"service_code": category.value, "attributes": attributes}


def category_of(code: str | None) -> Category:
    if not code:
        raise Open311Error(400, "service_code was not provided")
    try:
        return Category(code)
    except ValueError:
        raise Open311Error(
            404, f"service_code {code!r} was not found; use one of {', '.join(c.value for c in Category)}"
        ) from None


def community_of(problem: Problem, form: Mapping[str, str]) -> str:
    """The community a request is placed in, from address_id or address_string."""
    address_id, address = form.get("address_id", "").strip(), form.get("address_string", "").strip()
    known = {c.id: c for c in problem.communities}
    if address_id:
        if address_id not in known:
            raise Open311Error(400, f"address_id {address_id!r} is not a community of this jurisdiction")
        return address_id
    if address:
        for c in problem.communities:
            if address in (c.id, c.name):
                return c.id
        raise Open311Error(
            400,
            f"address_string {address!r} names no community of this jurisdiction; give the community id as address_id",
        )
    if form.get("lat") or form.get("long"):
        raise Open311Error(400, "lat/long cannot be placed in a community here; give the community id as address_id")
    raise Open311Error(400, "a location is required: address_id (the community id) or address_string")


def need_record(form: Mapping[str, str], problem: Problem, need_id: str) -> dict[str, Any]:
    """The needs-list row a POSTed request makes; Open311Error when a field is bad."""
    category = category_of(form.get("service_code"))
    description = form.get("description", "")
    if len(description) > 4000:
        raise Open311Error(400, "description is limited to 4,000 characters")
    record: dict[str, Any] = {
        "id": need_id,
        "community": community_of(problem, form),
        "category": category.value,
        "title": description.strip(),
    }
    for name in ATTRIBUTES:
        value = form.get(f"attribute[{name}]", "").strip()
        if value:
            record[name] = value
    return record


def request_view(view: Mapping[str, Any], problem: Problem, created: datetime) -> dict[str, Any]:
    """One live arrival as a GeoReport request."""
    record = view["record"]
    category = Category(record["category"])
    community = next(c for c in problem.communities if c.id == record["community"])
    requested = created + timedelta(minutes=view["at"])
    expected = (
        (requested + timedelta(minutes=view["arrival_minutes"]))
        if view["arrival_minutes"] is not None
        else requested + timedelta(minutes=view["deadline_minutes"])
    )
    urgency = Urgency(record.get("urgency", "normal"))
    return {
        "service_request_id": view["need"],
        "status": "open",
        "status_notes": _STATUS_NOTES[view["status"]],
        "service_name": f"{category.label} {category.value.replace('_', ' ')}",
        "service_code": category.value,
        "description": record.get("title", ""),
        "agency_responsible": ";".join(view["resources"]) if view["status"] == "published" else None,
        "service_notice": f"{urgency.label} {urgency.value}: response within {urgency.deadline_minutes} minutes",
        "requested_datetime": w3(requested),
        "updated_datetime": w3(requested),
        "expected_datetime": w3(expected),
        "address": ", ".join(p for p in (community.name, community.street, community.district) if p),
        "address_id": community.id,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def w3(when: datetime) -> str:
    """A W3C date-time with its zone (UTC), as the standard requires."""
    return when.isoformat(timespec="seconds")


def parse_w3(name: str, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time such as 2010-01-01T00:00:00Z, got {text!r}") from None
    if value.tzinfo is None:
        raise Open311Error(400, f"{name} must carry its time zone (Z or +HH:MM), got {text!r}")
    return value


def render(
    items: Sequence[Mapping[str, Any]], fields: Sequence[str], root: str, item: str, fmt: str
) -> tuple[bytes, str]:
    """A list of records as the standard's JSON or XML; (body, content type)."""
    if fmt == "json":
        import json

        rows = [{f: r.get(f) for f in fields if f in r} for r in items]
        return json.dumps(rows, ensure_ascii=False).encode(), "application/json; charset=utf-8"
    top = ET.Element(root)
    for r in items:
        element = ET.SubElement(top, item)
        for f in fields:
            if f in r:
                _xml_value(ET.SubElement(element, f), r[f])
    return ET.tostring(top, encoding="utf-8", xml_declaration=True), "text/xml; charset=utf-8"


def _xml_value(element: ET.Element, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, list):
        for entry in value:
            child = ET.SubElement(element, "value" if "key" in entry else "attribute")
            for key, inner in entry.items():
                _xml_value(ET.SubElement(child, key), inner)
    else:
        element.text = str(value)


def render_definition(definition: Mapping[str, Any], fmt: str) -> tuple[bytes, str]:
    """GET services/{code}: one service definition."""
    if fmt == "json":
        import json

        return json.dumps(definition, ensure_ascii=False).encode(), "application/json; charset=utf-8"
    top = ET.Element("service_definition")
    _xml_value(ET.SubElement(top, "service_code"), definition["service_code"])
    _xml_value(ET.SubElement(top, "attributes"), definition["attributes"])
    return ET.tostring(top, encoding="utf-8", xml_declaration=True), "text/xml; charset=utf-8"


def render_error(error: Open311Error, fmt: str) -> tuple[bytes, str]:
    """The standard's error body: a list of {code, description}."""
    return render(
        [{"code": error.code, "description": error.description}],
        ("code", "description"),
        "errors",
        "error",
        fmt if fmt in FORMATS else "json",
    )
