"""Write a generated scenario as a folder: scenario.yaml plus one CSV per list."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from matcher.files import csv_text, write_files


@dataclass
class GeneratedScenario:
    """Lists as plain rows, ready to be written; list values become ';'-joined cells."""

    name: str
    description: str
    lists: dict[str, list[dict[str, Any]]]
    policy: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


def _cell(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        value = sorted(value)
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return value


def write_scenario(scenario: GeneratedScenario, out_dir: str | Path) -> Path:
    """Write ``scenario.yaml`` and ``<list>.csv`` files into ``out_dir``; returns the YAML path."""
    doc: dict[str, Any] = {"name": scenario.name, "description": scenario.description}
    if scenario.settings:
        doc["settings"] = scenario.settings
    if scenario.policy:
        doc["policy"] = scenario.policy
    texts = {}
    for list_name, rows in scenario.lists.items():
        texts[f"{list_name}.csv"] = csv_text([{k: _cell(v) for k, v in row.items()} for row in rows])
        doc[list_name] = f"{list_name}.csv"
    texts["scenario.yaml"] = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    write_files(out_dir, texts)
    return Path(out_dir) / "scenario.yaml"
