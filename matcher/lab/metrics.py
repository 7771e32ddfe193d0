"""Metrics of a matching result: pure functions of a :class:`~matcher.result.Result`.

Values that different policies weigh differently are also measured on one reference scale
(:data:`REFERENCE`, the efficiency preset's tier x urgency weights), so policies compare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from matcher.candidates import VALUE_SCALE, build_candidates, need_base_values
from matcher.errors import FieldError
from matcher.i18n import Text, _
from matcher.policy import PRESETS, Policy
from matcher.solvers.stable import preferences, single_provider_pairs, stable_capacity
from matcher.vocabulary import ResourceKind, Urgency

if TYPE_CHECKING:  # matcher.result imports the solvers package, which imports matcher.result
    from matcher.result import Result

#: The weights that make "weighted needs served" comparable across policies.
REFERENCE: Policy = PRESETS["efficiency"]
#: Resources that are places residents visit (Taizhou's stations, the specialist workshops).
STATION_KINDS = (ResourceKind.WORKSHOP,)


# --- inequality --------------------------------------------------------------------------------
def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient (0 all equal, towards 1 all in one place); 0 for no values or all zero."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(x), float(np.sum(x))
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float(2 * np.sum(ranks * x) / (n * total) - (n + 1) / n)


def jain(values: Sequence[float] | np.ndarray) -> float:
    """Jain's fairness index (sum x)^2 / (n sum x^2), 1/n to 1; 1 for no values or all zero."""
    x = np.asarray(values, dtype=np.float64)
    square = float(np.sum(x * x))
    return 1.0 if len(x) == 0 or square == 0 else float(np.sum(x) ** 2 / (len(x) * square))


# --- what was served ---------------------------------------------------------------------------
def needs_served(result: Result) -> int:
    return result.n_served


def pair_value(result: Result) -> float:
    """The summed value of the chosen pairs under the result's own policy."""
    return float(result.candidates.value[result.solution.chosen].sum()) / VALUE_SCALE


def value_under(result: Result, policy: Policy) -> float:
    """The result's chosen pairs valued by another policy (pairs that policy rules out count 0)."""
    other = build_candidates(result.problem, policy)
    n_res = result.problem.arrays.n_resources
    keys = other.need.astype(np.int64) * n_res + other.resource
    order = np.argsort(keys)
    chosen = result.pair_need.astype(np.int64) * n_res + result.pair_resource
    at = np.clip(np.searchsorted(keys[order], chosen), 0, max(len(keys) - 1, 0))
    found = (keys[order][at] == chosen) if len(keys) else np.zeros(len(chosen), dtype=bool)
    return float(other.value[order][at][found].sum()) / VALUE_SCALE


def weighted_served(result: Result, reference: Policy = REFERENCE) -> float:
    """Served needs weighted by the reference policy's tier x urgency weights."""
    return float(need_base_values(result.problem.arrays, reference)[result.served].sum())


def community_coverage(result: Result) -> tuple[list[str], np.ndarray]:
    """Ids of the communities with needs, and the share of their needs served."""
    a = result.problem.arrays
    total = np.bincount(a.need_community, minlength=a.n_communities)
    done = np.bincount(a.need_community[result.served], minlength=a.n_communities)
    listed = np.flatnonzero(total)
    return [a.community_ids[i] for i in listed], done[listed] / total[listed]


def worst_coverage(result: Result) -> float:
    _, share = community_coverage(result)
    return float(share.min(initial=1.0))


def deadline_compliance(result: Result) -> dict[str, float]:
    """Per urgency level present: the share of its needs served before the deadline."""
    return {row["urgency"]: row["compliance"] for row in result.deadline_compliance()}


def travel_minutes(result: Result) -> float:
    """Total travel minutes of the chosen pairs."""
    return float(result.candidates.minutes[result.solution.chosen].astype(np.float64).sum())


def utilisation(result: Result) -> np.ndarray:
    """Per resource with hours: the share of its hours used."""
    a, c, idx = result.problem.arrays, result.candidates, result.solution.chosen
    used = np.bincount(c.resource[idx], weights=c.load[idx], minlength=a.n_resources)
    hours = a.resource_capacity_minutes
    return used[hours > 0] / hours[hours > 0]


def blocking_pairs(result: Result) -> int:
    """Pairs (need, resource) that would both rather be matched together (stability's test).

    The need (taking one provider) is unserved or prefers the resource to its own; the resource
    has a free task (of :func:`~matcher.solvers.stable.stable_capacity`) or prefers the need to
    one it serves. Preferences as in :mod:`matcher.solvers.stable`.
    """
    c, chosen = result.candidates, result.solution.chosen
    a = result.problem.arrays
    need_pos, res_pos = preferences(c)
    # The need's current pair position (inf when unserved), the resource's worst position and task count.
    current = np.full(a.n_needs, np.inf)
    np.minimum.at(current, c.need[chosen], need_pos[chosen])
    worst = np.full(a.n_resources, -1)
    np.maximum.at(worst, c.resource[chosen], res_pos[chosen])
    taken = np.bincount(c.resource[chosen], minlength=a.n_resources)
    room = taken < stable_capacity(result.problem, c)
    is_chosen = np.zeros(len(c), dtype=bool)
    is_chosen[chosen] = True
    need_wants = need_pos < current[c.need]
    resource_wants = room[c.resource] | (res_pos < worst[c.resource])
    return int(np.count_nonzero(single_provider_pairs(result.problem, c) & ~is_chosen & need_wants & resource_wants))


def station_popularity(result: Result) -> dict[str, int]:
    """Needs served per station (Taizhou's popularity index); empty when there are no stations."""
    idx = result.solution.chosen
    tasks = np.bincount(result.candidates.resource[idx], minlength=result.problem.arrays.n_resources)
    return {r.id: int(tasks[i]) for i, r in enumerate(result.problem.resources) if r.kind in STATION_KINDS}


def pairing_price(strict: Result, soft: Result) -> dict[str, float]:
    """What fixed pairings (结对) cost: the soft run's figures less the strict run's (positive = lost).

    ``value_lost`` is the difference of the two runs' objectives, each under its own policy (the
    soft run's includes its pairing bonus); since neither may be proven optimal, the true
    difference of the optima lies in [``value_lost_low``, ``value_lost_high``] = [soft objective -
    strict bound, soft bound - strict objective] (infinite where a bound is unproven). Priority
    levels served first (emergencies) are compared as ``<level>_served_lost``: where soft serves
    more of them, its value may legitimately be lower.
    """
    inf = float("inf")
    price = {
        "value_lost": soft.objective - strict.objective,
        "value_lost_low": soft.objective - strict.bound if strict.bound is not None else -inf,
        "value_lost_high": soft.bound - strict.objective if soft.bound is not None else inf,
        "weighted_served_lost": weighted_served(soft) - weighted_served(strict),
        "needs_served_lost": float(needs_served(soft) - needs_served(strict)),
        "worst_coverage_lost": worst_coverage(soft) - worst_coverage(strict),
        "mean_coverage_lost": float(community_coverage(soft)[1].mean() - community_coverage(strict)[1].mean()),
    }
    for a, b in zip(soft.solution.phases, strict.solution.phases, strict=False):
        price[f"{a.name.replace(' ', '_')}_lost"] = float(a.objective - b.objective)
    return price


def impossible_price(price: dict[str, float]) -> str | None:
    """Why a price cannot be the true one, or None: with the priority levels equal, hard pairings
    can only lose value (their plans are among the soft run's), so a negative price means a run
    stopped short of its optimum."""
    levels_equal = all(v == 0 for k, v in price.items() if k.endswith("_needs_served_lost"))
    if levels_equal and price["value_lost"] < 0:
        return _(
            "negative price {price:.4g} is impossible at the optima: a run stopped short; the true price lies in "
            "[{low:.4g}, {high:.4g}]"
        ).format(price=price["value_lost"], low=max(price["value_lost_low"], 0), high=price["value_lost_high"])
    return None


# --- the scalar table ----------------------------------------------------------------------------
def _coverage_stat(stat: Callable[[np.ndarray], float]) -> Callable[[Result], float]:
    return lambda r: float(stat(community_coverage(r)[1]))


def _compliance(level: Urgency) -> Callable[[Result], float]:
    return lambda r: deadline_compliance(r).get(level.value, float("nan"))


#: Scalar metrics by name: (function, description). Station metrics are left out when there are none.
METRICS: dict[str, tuple[Callable[[Result], float], str]] = {
    "needs_served": (lambda r: float(needs_served(r)), "needs served"),
    "value": (pair_value, "summed pair value under the run's own policy"),
    "weighted_served": (weighted_served, "served needs weighted by the efficiency preset's tier x urgency"),
    "coverage_mean": (_coverage_stat(np.mean), "mean coverage over communities"),
    "coverage_worst": (worst_coverage, "worst community's coverage"),
    "coverage_gini": (_coverage_stat(gini), "Gini of community coverage"),
    "coverage_jain": (_coverage_stat(jain), "Jain index of community coverage"),
    **{
        f"on_time_{u.value}": (_compliance(u), f"share of {u.value} needs served within {u.deadline_minutes} min")
        for u in Urgency
    },
    "travel_minutes": (travel_minutes, "total travel minutes"),
    "utilisation_max": (lambda r: float(utilisation(r).max(initial=0.0)), "highest share of hours used"),
    "utilisation_gini": (lambda r: gini(utilisation(r)), "Gini of resources' used share of hours"),
    "overload": (
        lambda r: float(np.clip(utilisation(r) - 0.5, 0, None).sum()),
        "share of hours worked beyond half, summed over resources",
    ),
    "resources_idle": (lambda r: float(np.count_nonzero(utilisation(r) == 0)), "resources given no task"),
    "blocking_pairs": (lambda r: float(blocking_pairs(r)), "pairs that would rather match each other"),
    "station_visits_max": (lambda r: float(max(station_popularity(r).values())), "most needs served at one station"),
    "station_gini": (lambda r: gini(list(station_popularity(r).values())), "Gini of needs served per station"),
}
STATION_METRICS = ("station_visits_max", "station_gini")


def metric_names(names: Iterable[str] | None) -> list[str]:
    """The metric names asked for (all when None); unknown names raise :class:`FieldError`."""
    if names is None:
        return list(METRICS)
    chosen = [n.strip() for n in names if n.strip()]
    unknown = [n for n in chosen if n not in METRICS]
    if unknown:
        raise FieldError(
            "metrics",
            Text(
                "unknown metric(s) {names}; known: {known}",
                names=", ".join(map(repr, unknown)),
                known=", ".join(METRICS),
            ),
        )
    return chosen


def measure(result: Result, names: Iterable[str] | None = None) -> dict[str, float]:
    """The scalar metrics of ``result`` (all known ones by default)."""
    has_stations = bool(station_popularity(result))
    out = {}
    for name in metric_names(names):
        if name in STATION_METRICS and not has_stations:
            continue
        out[name] = float(METRICS[name][0](result))
    return out
