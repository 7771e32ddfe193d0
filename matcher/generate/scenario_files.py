"""Writing a generated scenario: one CSV per list and a scenario.yaml that names them."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ";".join(sorted(str(v) for v in value))
    if isinstance(value, float):
        return round(value, 3)
    return value


def write_scenario(out_dir: str | Path, header: Mapping[str, Any], lists: Mapping[str, Sequence[Mapping[str, Any]]]
                   ) -> list[Path]:
    """Write ``lists`` as ``<name>.csv`` and ``scenario.yaml`` (``header`` plus the list paths)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    doc = dict(header)
    for name, rows in lists.items():
        if not rows:
            continue
        columns = list(dict.fromkeys(key for row in rows for key in row))
        path = out / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(row.get(k, "")) for k in columns})
        doc[name] = path.name
        written.append(path)
    scenario = out / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [scenario, *written]
