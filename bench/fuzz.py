"""Schemathesis over every operation of the API's OpenAPI document, with valid and invalid
input, at random ids and at ids that exist. Used by the schemathesis test and bench script."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

#: Path parameters naming records prepared beforehand, so deep paths are reached as well as 404s.
KNOWN = {"scenario_id": 1, "order_id": 1, "claim_id": 1, "transfer_id": 1, "record_id": "N1", "unit": "U1"}


def fuzz(
    schema: Any, headers: dict[str, str], examples: int, known: dict[str, Any] | None = None, **call: Any
) -> tuple[Counter[int], list[str]]:
    """Run every operation; return the responses counted by status and the failed operations."""
    known = KNOWN if known is None else known
    statuses: Counter[int] = Counter()
    failures = []
    operations = [found.ok() for found in schema.get_all_operations()]
    last = ("DELETE", "/scenarios/{scenario_id}")  # may delete the known scenario: run it after the rest
    for operation in sorted(operations, key=lambda op: (op.method.upper(), op.path) == last):
        names = {p.name for p in operation.path_parameters}
        fixed = {k: v for k, v in known.items() if k in names}
        for mode in GenerationMode:
            for path_parameters in [None, fixed] if fixed else [None]:
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

                @given(case=strategy)
                @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
                def run(case: Any) -> None:
                    response = case.call_and_validate(headers=headers, checks=[not_a_server_error], **call)
                    statuses[response.status_code] += 1

                try:
                    run()
                except Exception as exc:  # collect every failing operation, then report them together
                    failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
    return statuses, failures
