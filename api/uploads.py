"""Uploading a scenario (the API's ``POST /scenarios`` and the workbench's upload form): read
the files with the core loader, from memory, and store the lists. Bad input raises
:class:`~matcher.errors.ScenarioError` (every issue names file, record and field) or
:class:`~api.errors.ApiError` (names, sizes)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from api import audit
from api.auth import Principal
from api.db import Store
from api.errors import ApiError
from api.models import Scenario
from api.records import make_row, policy_data, record_data, scenario_records
from matcher.errors import MatcherError, ScenarioError
from matcher.io.limits import UPLOAD_LIMITS, LimitError
from matcher.io.scenario import Scenario as LoadedScenario
from matcher.io.scenario import load_upload
from matcher.io.sources import upload_name

log = logging.getLogger(__name__)

SCENARIO_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
LIST_SUFFIXES = (".csv", ".xlsx", ".json", ".yaml", ".yml")
MAX_KEY = 200


def read_upload(main: tuple[str, bytes], extras: Iterable[tuple[str, bytes]] = ()) -> LoadedScenario:
    """Read an uploaded scenario (``(file name, content)``) and the list files it names: it may
    name only the files uploaded with it, and nothing on the server's disk is opened for it."""
    name = upload_name(main[0] or "")
    if not name.lower().endswith(SCENARIO_SUFFIXES):
        raise ApiError(
            422,
            "the scenario file must be .yaml, .yml, .json or .xlsx",
            {"files": {"scenario": [f"unsupported file name {name!r}"]}},
        )
    uploaded: dict[str, bytes] = {}
    for extra_name, content in extras:
        extra_name = upload_name(extra_name or "")
        if not extra_name.lower().endswith(LIST_SUFFIXES):
            raise ApiError(
                422,
                "list files must be .csv, .xlsx, .json or .yaml",
                {"files": {"files": [f"unsupported file name {extra_name!r}"]}},
            )
        if extra_name in uploaded or extra_name == name:
            raise ApiError(
                422,
                f"two uploaded files are named {extra_name!r}",
                {"files": {"files": [f"{extra_name!r} uploaded twice"]}},
            )
        uploaded[extra_name] = content
    uploaded[name] = main[1]
    try:
        return load_upload(name, uploaded)
    except LimitError as exc:
        issue = exc.issues[0]
        raise ApiError(
            413,
            f"upload too large: {issue}",
            {"files": {issue.file or "scenario": [issue.message]}, "limits": {exc.limit: [UPLOAD_LIMITS.describe()]}},
        ) from None
    except (ScenarioError, MatcherError):
        raise
    except Exception as exc:  # a file the parsers cannot read at all
        log.info("unreadable upload %s: %r", name, exc)
        raise ApiError(422, f"cannot read {name}", {"files": {"scenario": ["the file cannot be read"]}}) from None


def _check_lengths(lists: dict[str, tuple[Any, ...]]) -> None:
    for list_name, records in lists.items():
        for i, record in enumerate(records):
            for attr in ("id", "community", "group"):
                value = getattr(record, attr, None)
                if isinstance(value, str) and len(value) > MAX_KEY:
                    raise ApiError(
                        422,
                        f"{list_name} record {i + 1}: {attr} longer than {MAX_KEY} characters",
                        {list_name: {attr: [f"at most {MAX_KEY} characters"]}},
                    )


def save_scenario(store: Store, actor: Principal, loaded: LoadedScenario) -> int:
    """Store a read scenario with its lists, audited; return its id."""
    lists = scenario_records(loaded)
    _check_lengths(lists)
    problem = loaded.problem
    with store.write() as session:
        scenario = Scenario(
            name=problem.name[:200],
            description=loaded.description,
            created_by=actor.name,
            policy=policy_data(loaded.policy),
            settings=record_data(problem.settings),
        )
        session.add(scenario)
        session.flush()
        for list_name, records in lists.items():
            session.add_all(make_row(scenario.id, list_name, i, record) for i, record in enumerate(records))
        audit.record(
            session,
            actor,
            "scenario.create",
            "scenario",
            scenario.id,
            scenario.id,
            name=scenario.name,
            needs=len(problem.needs),
            resources=len(problem.resources),
        )
        return scenario.id
