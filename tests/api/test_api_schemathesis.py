"""Schemathesis against the generated OpenAPI document: every operation, random and malformed
input, as a planner holding a scenario with orders and claims; no response may be a 5xx."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from conftest import bearer, upload
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from api import create_app
from api.auth import issue_token

STATUSES: Counter[int] = Counter()


class CountingApp:
    """WSGI middleware that counts responses by status."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        def counted(status: str, headers: Any, *args: Any) -> Any:
            STATUSES[int(status.split()[0])] += 1
            return start_response(status, headers, *args)

        return self.app(environ, counted)


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'matcher.db'}"})
    with app.extensions["matcher"].store.write() as session:
        app.config["PLANNER"] = bearer(issue_token(session, "planner"))
        unit = bearer(issue_token(session, "unit", "U1"))
        community = bearer(issue_token(session, "community", "C1"))
    client = app.test_client()
    scenario = upload(client, app.config["PLANNER"]).json["id"]
    order = client.post(f"/scenarios/{scenario}/orders", json={"project": "P1", "community": "C1"},
                        headers=community).json["id"]
    client.post(f"/orders/{order}/claims", json={"unit": "U1"}, headers=unit)
    app.wsgi_app = CountingApp(app.wsgi_app)  # type: ignore[method-assign]
    yield app
    app.extensions["matcher"].runner.shutdown()
    print(f"\nschemathesis: {sum(STATUSES.values())} requests; by status {dict(sorted(STATUSES.items()))}")
    assert not [code for code in STATUSES if code >= 500]


#: Path parameters naming records that exist, so deep paths are reached as well as 404s.
KNOWN = {"scenario_id": 1, "order_id": 1, "claim_id": 1, "transfer_id": 1, "record_id": "N1", "unit": "U1"}
EXAMPLES = 5


def test_no_server_errors(fuzzed_app: Any) -> None:
    """Every operation, with valid and invalid input, at known and random ids: never a 5xx."""
    api_schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzzed_app)
    headers = fuzzed_app.config["PLANNER"]
    failures = []
    for found in api_schema.get_all_operations():
        operation = found.ok()
        names = {p.name for p in operation.path_parameters}
        known = {k: v for k, v in KNOWN.items() if k in names}
        if operation.method.upper() == "DELETE" and operation.path == "/scenarios/{scenario_id}":
            known = {}  # deleting the known scenario would leave every later case a 404
        for mode in GenerationMode:
            for path_parameters in ([None, known] if known else [None]):
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

                @given(case=strategy)
                @settings(max_examples=EXAMPLES, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
                def run(case: Any) -> None:
                    case.call_and_validate(headers=headers, checks=[not_a_server_error])

                try:
                    run()
                except Exception as exc:  # collect every failing operation, then report them together
                    failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
    assert not failures, "\n".join(failures)
