"""Scenario files: the three lists, communities and pairings, inline or as paths to list files.

A scenario is a YAML or JSON mapping (see docs/scenario-format.md), or an XLSX workbook with one
sheet per list. Every record error is collected and reported with its file, row and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher.areas import Area, Grid
from matcher.domain import (
    Record,
    Settings,
)
from matcher.errors import FieldError, Issue, ScenarioError
from matcher.i18n import Text
from matcher.io.headers import sheet_for
from matcher.io.hierarchy import check_hierarchy
from matcher.io.sources import Folder, Source, Upload
from matcher.io.tables import MAX_ISSUES, Columns, Row, parse_document, read_rows, read_text, rows_of
from matcher.io.workbook import open_workbook
from matcher.policy import Policy, get_policy
from matcher.problem import LIST_KINDS, Location, Problem, records_of

#: The lists of a scenario and the record type of each.
LISTS: dict[str, type[Record]] = {**LIST_KINDS, "areas": Area, "grids": Grid}
#: Lists that are not part of the solver's :class:`Problem`; they are kept in ``Scenario.lists``.
EXTRA_LISTS = ("areas", "grids")
REQUIRED_LISTS = ("communities", "needs", "resources")
TOP_LEVEL = {"name", "description", "settings", "policy", "workbook", *LISTS}


@dataclass(frozen=True)
class Scenario:
    """A problem as read from a file, with the policy the file asks for."""

    problem: Problem
    policy: Policy
    path: Path
    description: str = ""
    rows: dict[str, list[Row]] = field(default_factory=dict, repr=False)
    lists: dict[str, tuple[Record, ...]] = field(default_factory=dict, repr=False)
    encodings: dict[str, str] = field(default_factory=dict)  # text file read → the encoding it was in

    @property
    def areas(self) -> tuple[Area, ...]:
        """The areas list (街道、区 above the communities); empty when the scenario gives none."""
        return records_of(self.lists, "areas", Area)

    @property
    def grids(self) -> tuple[Grid, ...]:
        """The grids list (网格); empty when the scenario gives none."""
        return records_of(self.lists, "grids", Grid)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario on the planner's disk (its list files are named relative to it);
    raise :class:`ScenarioError` listing every bad record."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([Issue(str(path), "", "", Text("scenario file not found"))])
    return _load(path.name, Folder(path.parent), path)


def load_upload(name: str, files: Mapping[str, bytes]) -> Scenario:
    """Read and check an uploaded scenario ``name``; ``files`` holds it and every file uploaded with
    it, by name. It may name only those files, and reads within :data:`UPLOAD_LIMITS`."""
    return _load(name, Upload(files), Path(name))


def _load(name: str, source: Source, path: Path) -> Scenario:
    shown = source.shown(name)
    doc = _document(name, source, path, shown)
    rows = {list_name: _list_rows(doc, list_name, source, shown) for list_name in LISTS}
    records, issues = _records(rows)
    settings = _settings(doc.get("settings"), shown, issues)
    policy = _policy(doc.get("policy"), shown, issues)
    if issues:
        raise ScenarioError(issues[:MAX_ISSUES])
    given = {list_name: found for list_name, found in records.items() if list_name not in EXTRA_LISTS}
    problem = Problem.from_lists(given, settings, str(doc.get("name") or path.stem))
    areas, grids = records_of(records, "areas", Area), records_of(records, "grids", Grid)
    cross = [_issue(rows, loc, f, m) for loc, f, m in problem.check()]
    cross += [_issue(rows, loc, f, m) for loc, f, m in check_hierarchy(problem, areas, grids)]
    if cross:
        raise ScenarioError(cross[:MAX_ISSUES])
    assert policy is not None
    extra = {list_name: tuple(records[list_name]) for list_name in EXTRA_LISTS}
    return Scenario(problem, policy, path, str(doc.get("description") or ""), rows, extra, dict(source.encodings))


def _document(name: str, source: Source, path: Path, shown: str) -> dict[Any, Any]:
    """The scenario's top-level mapping, its keys in English (``需求清单`` becomes ``needs``); a
    workbook names itself. Unknown keys are an error."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        doc: dict[str, Any] = {"name": path.stem, "workbook": name}
    elif suffix in (".yaml", ".yml", ".json"):
        doc = parse_document(read_text(source, name), suffix, shown)
        if not isinstance(doc, dict):
            raise ScenarioError(
                [Issue(shown, "", "", Text("expected a mapping with communities, needs and resources"))]
            )
    else:
        raise ScenarioError([Issue(shown, "", "", Text("a scenario is a .yaml, .yml, .json or .xlsx file"))])
    doc = {(_list_name(k) or k) if isinstance(k, str) else k: v for k, v in doc.items()}
    unknown = sorted(str(k) for k in set(doc) - TOP_LEVEL)
    if unknown:
        raise ScenarioError(
            [
                Issue(shown, "", k, Text("unknown key; expected some of: {items}", items=", ".join(sorted(TOP_LEVEL))))
                for k in unknown
            ]
        )
    return doc


def _records(rows: dict[str, list[Row]]) -> tuple[dict[str, list[Record]], list[Issue]]:
    """Each list's rows parsed by its record type, and an issue for each row that does not parse."""
    issues: list[Issue] = []
    records: dict[str, list[Record]] = {}
    for list_name, cls in LISTS.items():
        records[list_name] = []
        for row in rows[list_name]:
            try:
                records[list_name].append(cls.from_record(row.values))
            except FieldError as exc:
                issues.append(Issue(row.file, _label(row), exc.field, exc.message))
    return records, issues


def _list_name(key: str) -> str | None:
    """The list a top-level key names (``needs`` or ``需求清单``), or None."""
    return next((name for name in LISTS if sheet_for(name, [key])), None)


def _label(row: Row) -> str:
    rid = row.values.get("id")
    return Text("{row} (id {id})", row=row.label, id=rid) if rid not in (None, "") else row.label


def _issue(rows: dict[str, list[Row]], loc: Location, field_name: str, message: str) -> Issue:
    row = rows[loc.list_name][loc.index]
    return Issue(row.file, _label(row), field_name, message)


def _list_rows(doc: Mapping[str, Any], list_name: str, source: Source, shown: str) -> list[Row]:
    """Rows of a list: inline, from a file (``file.xlsx#sheet`` picks a sheet), or the workbook."""
    columns = Columns(LISTS[list_name].field_names(), LISTS[list_name].mandatory)
    spec = doc.get(list_name)
    if spec is None and doc.get("workbook"):
        workbook = str(doc["workbook"])
        if list_name in REQUIRED_LISTS or _has_sheet(source, workbook, list_name, shown):
            return read_rows(source, workbook, None, list_name, columns, shown, "workbook", first_sheet=False)
        return []
    if spec is None:
        if list_name in REQUIRED_LISTS:
            raise ScenarioError([Issue(shown, "", list_name, Text("missing list (give it inline or as a file path)"))])
        return []
    if isinstance(spec, list):
        return rows_of(spec, shown, f"{list_name} record", source, columns)
    if isinstance(spec, str):
        file_part, _, sheet = spec.partition("#")
        return read_rows(source, file_part, sheet or None, list_name, columns, shown, list_name)
    raise ScenarioError([Issue(shown, "", list_name, Text("expected a list of records or a file path"))])


def _has_sheet(source: Source, workbook: str, list_name: str, shown: str) -> bool:
    if not source.exists(workbook):
        return False
    return open_workbook(source, workbook, shown, "workbook").find_sheet(list_name, None) is not None


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
    raise FieldError(name, Text("expected a mapping"))
