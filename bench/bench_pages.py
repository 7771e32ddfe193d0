"""Page times of the workbench: p50/p95 per screen against the real server (``matcher serve``:
granian, two worker processes, SQLite) on Zhangjiang and on a 50,000-need synthetic city, and
the first render of the map and of the unmatched queue at 50,000 needs in Chromium (a fresh
browser each time, nothing cached).

Each scenario is stored and solved in-process first (the API's own upload and job runner), then
the server is started on that database. Each screen is requested ``--warm`` times (every worker
process parses a finished result once, then keeps it) and then ``--requests`` times in a row by
one client; the cold time of the first request is printed beside. Targets (issue 12): p95 under
300 ms; first render under 2 s.

    python bench/bench_pages.py [--requests 40] [--needs 50000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "api"))
from loadgen import Server  # noqa: E402
from synthetic import city  # noqa: E402

from api import create_app  # noqa: E402
from api.auth import issue_token  # noqa: E402
from api.uploads import save_scenario  # noqa: E402
from matcher.io.scenario import Scenario as LoadedScenario  # noqa: E402
from matcher.io.scenario import load_scenario  # noqa: E402
from matcher.policy import get_policy  # noqa: E402

ZHANGJIANG = Path(__file__).resolve().parents[1] / "scenarios" / "zhangjiang" / "scenario.yaml"


def prepare(url: str, scenarios: dict[str, LoadedScenario], time_limit: float) -> tuple[str, dict[str, tuple]]:
    """Store and solve each scenario; return a planner token and, per scenario, (id, job id, unmatched need)."""
    app = create_app({"DATABASE_URL": url, "SOLVER_THREADS": 2})
    extension = app.extensions["matcher"]
    with extension.store.write() as session:
        secret = issue_token(session, "planner")
    from api.auth import Principal

    planner = Principal("planner")
    made = {}
    for name, loaded in scenarios.items():
        scenario_id = save_scenario(extension.store, planner, loaded)
        started = time.perf_counter()
        job = extension.runner.submit(planner, scenario_id, "auto", time_limit, _policy(loaded))
        extension.runner.wait_idle(timeout=time_limit + 600)
        with extension.store.read() as session:
            from api.models import SolveJob

            done = session.get(SolveJob, job.id)
            need = (done.result or {}).get("unmatched", [{}])[0].get("need", "")
            print(
                f"{name}: {done.summary['needs']} needs, served {done.summary['served']}, "
                f"status {done.summary['status']}; stored and solved in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
        made[name] = (scenario_id, job.id, need)
    extension.runner.shutdown()
    extension.store.dispose()
    return secret, made


def _policy(loaded: LoadedScenario) -> dict[str, Any]:
    from api.records import policy_data

    return policy_data(get_policy(loaded.policy))


def signed_in(base: str, secret: str) -> requests.Session:
    client = requests.Session()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(base + "/login").text).group(1)
    answer = client.post(base + "/login", data={"token": secret, "csrf": csrf}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:200]
    return client


def screens(scenario_id: int, job: str, need: str) -> dict[str, str]:
    return {
        "home": "/",
        "scenarios": "/web/scenarios",
        "needs list": f"/web/scenarios/{scenario_id}?list=needs",
        "needs list p.50": f"/web/scenarios/{scenario_id}?list=needs&page=50",
        "needs filtered": f"/web/scenarios/{scenario_id}?list=needs&category=health&page=3",
        "run board": "/web/runs",
        "run": f"/web/runs/{job}",
        "result": f"/web/runs/{job}/result",
        "result idle p.5": f"/web/runs/{job}/result?load=idle&rpage=5",
        "unmatched": f"/web/runs/{job}/unmatched",
        "unmatched p.20": f"/web/runs/{job}/unmatched?page=20",
        "need": f"/web/runs/{job}/unmatched/{need}",
        "export": f"/web/runs/{job}/export",
        "escalation": f"/web/escalation?scenario={scenario_id}&solver=greedy",
        "escalation p.20": f"/web/escalation?scenario={scenario_id}&solver=greedy&page=20",
        "compare": f"/web/compare?scenario={scenario_id}&run={job}",
        "need history": f"/web/history/needs/{need}?scenario={scenario_id}",
    }


PUDONG = Path(__file__).resolve().parents[1] / "scenarios" / "pudong" / "scenario.yaml"
#: Orders (点单) the projects-and-claims bench places in Pudong, and one claim (认领) on each it can.
ORDERS = 200


def prepare_orders(url: str) -> tuple[dict[str, str], dict[str, str]]:
    """Store Pudong, place ORDERS orders across its communities and claim each by a unit that may,
    through the API's services; return (community, unit) tokens and the screens to time."""
    from api import claims as service
    from api.auth import Principal, digest
    from api.errors import ApiError

    app = create_app({"DATABASE_URL": url})
    extension = app.extensions["matcher"]
    loaded = load_scenario(PUDONG)
    scenario_id = save_scenario(extension.store, Principal("planner"), loaded)
    problem, planner = loaded.problem, Principal("planner")
    with extension.store.write() as session:
        orders = [
            service.create_order(session, planner, scenario_id, p.id, c.id, None, "")
            for p, c in zip(problem.projects * ORDERS, problem.communities * ORDERS, strict=False)
        ][:ORDERS]
    with extension.store.read() as session:
        extension.rules.build(session, scenario_id)
    unit, claimed = "", 0
    hashes: dict[str, str] = {}  # a live token per unit tried: the claim checks its caller's token
    for order in orders:
        for resource in problem.resources:
            if resource.id not in hashes:
                with extension.store.write() as session:
                    hashes[resource.id] = digest(issue_token(session, "unit", resource.id))
            try:
                with extension.store.write() as session:
                    service.claim(
                        session,
                        extension.rules,
                        Principal("unit", resource.id),
                        hashes[resource.id],
                        order.id,
                        resource.id,
                        None,
                    )
                unit, claimed = unit or resource.id, claimed + 1
                break
            except ApiError:  # a unit the claim rules refuse: try the next
                continue
    with extension.store.write() as session:
        secrets = {
            "community": issue_token(session, "community", orders[0].community),
            "unit": issue_token(session, "unit", unit),
        }
    print(f"pudong: {ORDERS} orders placed, {claimed} claimed; community {orders[0].community}, unit {unit}")
    extension.runner.shutdown()
    extension.store.dispose()
    pages = {
        "community": {
            "projects": f"/web/projects?scenario={scenario_id}",
            "order history": f"/web/history/order/{orders[0].id}",
        },
        "unit": {"claims": f"/web/claims?scenario={scenario_id}"},
    }
    return secrets, pages


def time_pages(client: requests.Session, base: str, pages: dict[str, str], warm: int, n: int) -> list[tuple]:
    rows = []
    for name, path in pages.items():
        cold = []
        for _ in range(warm):
            started = time.perf_counter()
            assert client.get(base + path).status_code == 200, path
            cold.append(time.perf_counter() - started)
        times = []
        for _ in range(n):
            started = time.perf_counter()
            assert client.get(base + path).status_code == 200, path
            times.append(time.perf_counter() - started)
        times.sort()
        rows.append((name, cold[0], statistics.median(times), times[max(0, int(0.95 * len(times)) - 1)]))
    return rows


def first_render(base: str, secret: str, job: str) -> dict[str, float]:
    """Seconds from navigation to the drawn map, and to the unmatched queue's table, in a fresh Chromium."""
    from browser import browser_page

    out = {}
    for name, path, ready in (
        ("map", f"/web/runs/{job}/result", "#map circle"),
        ("unmatched queue", f"/web/runs/{job}/unmatched", "#unmatched tbody tr"),
    ):
        with browser_page(base) as (page, watch):
            page.goto(base + "/login")
            page.fill("input[name=token]", secret)
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
            started = time.perf_counter()
            page.goto(base + path)
            page.wait_for_selector(ready, timeout=30_000)
            out[name] = time.perf_counter() - started
            assert not watch.left and not watch.server_errors, watch
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per screen (default: 40)")
    parser.add_argument("--warm", type=int, default=4, help="untimed requests first, per screen (default: 4)")
    parser.add_argument("--needs", type=int, default=50_000, help="needs of the large scenario (default: 50,000)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="solve time limit, s (default: 30)")
    args = parser.parse_args()
    big = city(args.needs, args.needs // 5)
    scenarios = {
        "zhangjiang": load_scenario(ZHANGJIANG),
        big.name: LoadedScenario(big, get_policy("default"), Path(big.name)),
    }
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/pages.db"
        secret, made = prepare(url, scenarios, args.time_limit)
        role_secrets, role_pages = prepare_orders(url)
        with Server(url, Path(folder) / "server.log") as server:
            base = f"http://127.0.0.1:{server.port}"
            client = signed_in(base, secret)
            for name, (scenario_id, job, need) in made.items():
                print(f"\n{name}: page times over {args.requests} requests after {args.warm} untimed (ms)")
                print(f"  {'screen':<18} {'first':>8} {'p50':>7} {'p95':>7}")
                for screen, cold, p50, p95 in time_pages(
                    client, base, screens(scenario_id, job, need), args.warm, args.requests
                ):
                    print(f"  {screen:<18} {cold * 1000:8.0f} {p50 * 1000:7.0f} {p95 * 1000:7.0f}")
            for role, pages in role_pages.items():
                print(
                    f"\npudong, {role} token: page times over {args.requests} requests after {args.warm} untimed (ms)"
                )
                print(f"  {'screen':<18} {'first':>8} {'p50':>7} {'p95':>7}")
                for screen, cold, p50, p95 in time_pages(
                    signed_in(base, role_secrets[role]), base, pages, args.warm, args.requests
                ):
                    print(f"  {screen:<18} {cold * 1000:8.0f} {p50 * 1000:7.0f} {p95 * 1000:7.0f}")
            _, job, _ = made[big.name]
            renders = first_render(base, secret, job)
            print(f"\nFirst render in Chromium at {args.needs:,} needs (fresh browser, nothing cached):")
            for name, seconds in renders.items():
                print(f"  {name:<18} {seconds:.2f} s")
            cpu = server.cpu_seconds()
        print(f"\nServer CPU time over the run: {cpu:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
