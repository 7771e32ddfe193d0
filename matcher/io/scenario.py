"""Scenario files: the three lists, communities and pairings, inline or as paths to list files.

A scenario is a YAML or JSON mapping (see docs/scenario-format.md), or an XLSX workbook with one
sheet per list. Every record error is collected and reported with its file, row and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher.domain import (
    Budget,
    Claim,
    Community,
    Need,
    Order,
    Pairing,
    Project,
    Record,
    Resource,
    Settings,
    Venue,
    Visit,
)
from matcher.errors import FieldError, Issue, ScenarioError
from matcher.io.tables import Row, load_document, read_rows, rows_of
from matcher.network.hierarchy import check_hierarchy
from matcher.network.records import Area, Grid
from matcher.policy import Policy, get_policy
from matcher.problem import Location, Problem

#: The lists of a scenario and the record type of each.
LISTS: dict[str, type[Record]] = {
    "communities": Community,
    "needs": Need,
    "resources": Resource,
    "projects": Project,
    "pairings": Pairing,
    "orders": Order,
    "claims": Claim,
    "venues": Venue,
    "budgets": Budget,
    "visits": Visit,
    "areas": Area,
    "grids": Grid,
}
#: Lists that are not part of the solver's :class:`Problem`; they are kept in ``Scenario.lists``.
EXTRA_LISTS = ("areas", "grids")
REQUIRED_LISTS = ("communities", "needs", "resources")
TOP_LEVEL = {"name", "description", "settings", "policy", "workbook", *LISTS}
MAX_ISSUES = 50


@dataclass(frozen=True)
class Scenario:
    """A problem as read from a file, with the policy the file asks for."""

    problem: Problem
    policy: Policy
    path: Path
    description: str = ""
    rows: dict[str, list[Row]] = field(default_factory=dict, repr=False)
    lists: dict[str, tuple[Record, ...]] = field(default_factory=dict, repr=False)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario; raise :class:`ScenarioError` listing every bad record."""
    path = Path(path)
    shown = str(path)
    if not path.is_file():
        raise ScenarioError([Issue(shown, "", "", "scenario file not found")])
    if path.suffix.lower() == ".xlsx":
        doc: dict[str, Any] = {"name": path.stem, "workbook": path.name}
        base = path.parent
    elif path.suffix.lower() in (".yaml", ".yml", ".json"):
        doc = load_document(path, shown)
        base = path.parent
        if not isinstance(doc, dict):
            raise ScenarioError([Issue(shown, "", "", "expected a mapping with communities, needs and resources")])
    else:
        raise ScenarioError([Issue(shown, "", "", "a scenario is a .yaml, .yml, .json or .xlsx file")])
    unknown = sorted(set(doc) - TOP_LEVEL)
    if unknown:
        raise ScenarioError([Issue(shown, "", k, f"unknown key; expected some of: {', '.join(sorted(TOP_LEVEL))}")
                             for k in unknown])
    rows = {name: _list_rows(doc, name, base, shown) for name in LISTS}
    issues: list[Issue] = []
    records: dict[str, list[Record]] = {}
    for name, cls in LISTS.items():
        records[name] = []
        for row in rows[name]:
            try:
                records[name].append(cls.from_record(row.values))
            except FieldError as exc:
                issues.append(Issue(row.file, _label(row), exc.field, exc.message))
    settings = _settings(doc.get("settings"), shown, issues)
    policy = _policy(doc.get("policy"), shown, issues)
    if issues:
        raise ScenarioError(issues[:MAX_ISSUES])
    problem = Problem(
        tuple(records["communities"]), tuple(records["needs"]), tuple(records["resources"]),  # type: ignore[arg-type]
        tuple(records["projects"]), tuple(records["pairings"]), settings,  # type: ignore[arg-type]
        str(doc.get("name") or path.stem),
        orders=tuple(records["orders"]), claims=tuple(records["claims"]),  # type: ignore[arg-type]
        venues=tuple(records["venues"]), budgets=tuple(records["budgets"]),  # type: ignore[arg-type]
        visits=tuple(records["visits"]),  # type: ignore[arg-type]
    )
    cross = [_issue(rows, loc, f, m) for loc, f, m in problem.check()]
    cross += [_issue(rows, loc, f, m)
              for loc, f, m in check_hierarchy(problem, records["areas"], records["grids"])]  # type: ignore[arg-type]
    if cross:
        raise ScenarioError(cross[:MAX_ISSUES])
    assert policy is not None
    extra = {name: tuple(records[name]) for name in EXTRA_LISTS}
    return Scenario(problem, policy, path, str(doc.get("description") or ""), rows, extra)


def _label(row: Row) -> str:
    rid = row.values.get("id")
    return f"{row.label} (id {rid})" if rid not in (None, "") else row.label


def _issue(rows: dict[str, list[Row]], loc: Location, field_name: str, message: str) -> Issue:
    row = rows[loc.list_name][loc.index]
    return Issue(row.file, _label(row), field_name, message)


def _list_rows(doc: Mapping[str, Any], name: str, base: Path, shown: str) -> list[Row]:
    """Rows of list ``name``: inline, from a path (``file.xlsx#sheet`` picks a sheet), or the workbook."""
    required = LISTS[name].required
    spec = doc.get(name)
    if spec is None and doc.get("workbook"):
        workbook = base / str(doc["workbook"])
        if name in REQUIRED_LISTS or _has_sheet(workbook, name):
            return read_rows(workbook, name, required, str(workbook))
        return []
    if spec is None:
        if name in REQUIRED_LISTS:
            raise ScenarioError([Issue(shown, "", name, "missing list (give it inline or as a file path)")])
        return []
    if isinstance(spec, list):
        return rows_of(spec, shown, f"{name} record")
    if isinstance(spec, str):
        file_part, _, sheet = spec.partition("#")
        target = base / file_part
        return read_rows(target, sheet or None, required, str(target))
    raise ScenarioError([Issue(shown, "", name, "expected a list of records or a file path")])


def _has_sheet(workbook: Path, name: str) -> bool:
    import openpyxl

    if not workbook.is_file():
        return False
    return name in openpyxl.load_workbook(workbook, read_only=True).sheetnames


def _settings(spec: Any, shown: str, issues: list[Issue]) -> Settings:
    try:
        return Settings.from_record(spec or {}) if isinstance(spec, (dict, type(None))) else _not_mapping("settings")
    except FieldError as exc:
        issues.append(Issue(shown, "settings", exc.field, exc.message))
        return Settings()


def _policy(spec: Any, shown: str, issues: list[Issue]) -> Policy | None:
    try:
        return get_policy(spec)
    except FieldError as exc:
        issues.append(Issue(shown, "policy", exc.field, exc.message))
        return None


def _not_mapping(name: str) -> Settings:
    raise FieldError(name, "expected a mapping")
