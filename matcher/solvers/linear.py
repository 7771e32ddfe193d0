"""The core matching model as one engine-neutral mixed-integer program (MIP).

Columns: one binary ``x`` per candidate pair; one binary ``s`` per need taking several providers
(all or nothing); with load balancing an integer overload per resource; with the equity
objective an integer worst-coverage level ``z``. Every rule below adds rows; HiGHS and CP-SAT both
load the same :class:`LinearModel`, so the two engines solve exactly the same problem.

The objective is lexicographic, a list of :class:`Phase` maximised in turn, each phase's optimum
held as a row while the next is solved: under the default policy first the emergencies served
(紧急, danger to life or property), then the value; under equity first the worst community's
coverage. Side rules that may be infeasible carry a name, so an infeasible model can be explained
(:mod:`matcher.solvers.explain`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from matcher.candidates import VALUE_SCALE, Candidates
from matcher.policy import Policy
from matcher.problem import URGENCIES, Problem, ProblemArrays
from matcher.vocabulary import Urgency

#: Utilisation is measured in permille for the load-balancing term.
PERMILLE = 1000


@dataclass(frozen=True)
class Phase:
    """One level of the lexicographic objective: maximise ``objective · columns``.

    ``scale`` divides the objective back to VALUE_SCALE units for the value phase (1 otherwise).
    ``attainable``, when known, lists every value the objective can take (sorted): a proven bound
    can then be lowered to the largest attainable value below it (see :meth:`tighten`)."""

    name: str
    objective: np.ndarray  # float64, one coefficient per column, integral
    scale: int = 1
    attainable: np.ndarray | None = None
    #: rows that hold a level reached, when tighter than ``objective · v >= level`` (equity's)
    level_rows: Callable[[int], tuple[sparse.csr_matrix, np.ndarray]] | None = None

    def hold_rows(self, level: int) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Rows ``R v >= lower`` that keep this phase at ``level`` or better in later phases."""
        if self.level_rows is not None:
            return self.level_rows(level)
        return sparse.csr_matrix(self.objective.reshape(1, -1)), np.array([float(level)])

    def tighten(self, bound: int) -> int:
        """The largest attainable value at most ``bound`` (``bound`` itself when all are attainable)."""
        if self.attainable is None:
            return bound
        at = int(np.searchsorted(self.attainable, bound, side="right")) - 1
        return int(self.attainable[at]) if at >= 0 else bound


@dataclass
class LinearModel:
    """``maximise phases[k] · v  s.t.  row_lower <= A v <= row_upper, lower <= v <= upper, v integer``.

    ``named`` maps the name of each side rule that may be infeasible (a hard pairing's minimum, a
    community's minimum share) to its row, for the explanation of an infeasible model.
    """

    n_pairs: int
    lower: np.ndarray
    upper: np.ndarray
    matrix: sparse.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    named: dict[str, int]
    phases: list[Phase]
    served: sparse.csr_matrix  # (needs, columns): row n is need n's "served" indicator
    aux: _Auxiliary

    @property
    def n_columns(self) -> int:
        return len(self.lower)


@dataclass
class _Auxiliary:
    """Where the columns beyond the pairs are, to complete a plan given as pairs."""

    all_or_nothing: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))  # cols, needs
    overload: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))  # cols, resources
    worst_coverage: tuple[int, int] | None = None  # column, scale


@dataclass
class _Rows:
    """Rows collected as COO triplets, then frozen into a CSR matrix."""

    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    count: int = 0

    def add(self, row: np.ndarray, col: np.ndarray, val: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> int:
        """Add rows numbered ``row`` (0-based within this block); returns the first new row's index."""
        first = self.count
        self.rows.append(np.asarray(row, dtype=np.int64) + first)
        self.cols.append(np.asarray(col, dtype=np.int64))
        self.vals.append(np.asarray(val, dtype=np.float64))
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        self.count += len(self.lower[-1])
        return first

    def add_matrix(self, block: sparse.spmatrix, lower: np.ndarray, upper: np.ndarray) -> int:
        coo = sparse.coo_matrix(block)
        return self.add(coo.row, coo.col, coo.data, lower, upper)

    def freeze(self, n_columns: int) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
        if not self.rows:
            return sparse.csr_matrix((0, n_columns)), np.zeros(0), np.zeros(0)
        matrix = sparse.csr_matrix(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.count, n_columns),
        )
        return matrix, np.concatenate(self.lower), np.concatenate(self.upper)


def _group_sizes(keys: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(keys, minlength=n)


class _Builder:
    """Columns and rows of the model for one (problem, candidates, policy)."""

    def __init__(self, problem: Problem, candidates: Candidates, policy: Policy) -> None:
        self.a = problem.arrays
        self.c = candidates
        self.policy = policy
        self.rows = _Rows()
        self.lower = [np.zeros(len(candidates))]
        self.upper = [np.ones(len(candidates))]
        self.n_columns = len(candidates)
        self.named: dict[str, int] = {}
        self.aux = _Auxiliary()

    def columns(self, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        """New integer columns; returns their indices."""
        first = self.n_columns
        self.lower.append(np.asarray(lower, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        self.n_columns += len(self.lower[-1])
        return np.arange(first, self.n_columns)


def _tied_columns(
    b: _Builder,
    chosen: np.ndarray,
    owner: np.ndarray,
    pair_coef: np.ndarray,
    column_coef: np.ndarray,
    upper: float,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One integer column in [0, upper] per chosen need or resource, tied to its pairs by one row:
    ``row_lower <= sum pair_coef * x + column_coef * column <= row_upper``. Returns the columns,
    the chosen owners' pairs, and each owner's row number among them (-1 when not chosen)."""
    owners = np.flatnonzero(chosen)
    cols = b.columns(np.zeros(len(owners)), np.full(len(owners), upper))
    row_of = np.full(len(chosen), -1)
    row_of[owners] = np.arange(len(owners))
    pairs = np.flatnonzero(chosen[owner])
    b.rows.add(
        np.concatenate([row_of[owner[pairs]], np.arange(len(owners))]),
        np.concatenate([pairs, cols]),
        np.concatenate([pair_coef[pairs], column_coef]),
        row_lower,
        row_upper,
    )
    return cols, pairs, row_of


def served_indicators(b: _Builder) -> sparse.csr_matrix:
    """Hard: a need takes all its providers or none.

    A need taking one provider takes at most one pair, and is served when it does; a need taking
    ``k > 1`` providers gets an all-or-nothing column ``s`` with ``sum x = k s``; a need with fewer
    candidates than providers cannot be served (its pairs are fixed to 0). Returns the (needs ×
    columns) matrix whose row n is need n's served indicator."""
    a, c = b.a, b.c
    providers = a.need_providers.astype(np.int64)
    pairs_per_need = _group_sizes(c.need, a.n_needs)
    k = providers[c.need]
    single = k == 1
    # at most one pair for a single-provider need with several candidates
    multi_single = (pairs_per_need > 1) & (providers == 1)
    needs = np.flatnonzero(multi_single)
    row_of = np.full(a.n_needs, -1)
    row_of[needs] = np.arange(len(needs))
    take = single & multi_single[c.need]
    pairs = np.flatnonzero(take)
    b.rows.add(row_of[c.need[pairs]], pairs, np.ones(len(pairs)), np.full(len(needs), -np.inf), np.ones(len(needs)))
    # all or nothing for needs with several providers
    several = (providers > 1) & (pairs_per_need >= providers)
    needs_k = np.flatnonzero(several)
    s_cols, pairs, row_of = _tied_columns(
        b,
        several,
        c.need,
        np.ones(len(c)),
        -providers[needs_k].astype(np.float64),
        1.0,
        np.zeros(len(needs_k)),
        np.zeros(len(needs_k)),
    )
    b.aux.all_or_nothing = (s_cols, needs_k)
    # x <= s for each pair of such a need: implied at integers, it tightens the LP relaxation
    # (measured on Zhangjiang: HiGHS proves the optimum with about a fifth less work)
    each = np.arange(len(pairs))
    b.rows.add(
        np.concatenate([each, each]),
        np.concatenate([pairs, s_cols[row_of[c.need[pairs]]]]),
        np.concatenate([np.ones(len(pairs)), -np.ones(len(pairs))]),
        np.full(len(pairs), -np.inf),
        np.zeros(len(pairs)),
    )
    too_few = (providers > 1) & (pairs_per_need < providers)
    b.upper[0][too_few[c.need]] = 0.0
    single_pairs = np.flatnonzero(single)
    rows = np.concatenate([c.need[single_pairs], needs_k])
    cols = np.concatenate([single_pairs, s_cols])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(a.n_needs, b.n_columns))


def resource_hours(b: _Builder) -> None:
    """Hard: a resource works no more minutes than its hours allow (a knapsack per resource).

    Rows only for resources whose candidate loads could exceed their hours."""
    a, c = b.a, b.c
    total = np.bincount(c.resource, weights=c.load, minlength=a.n_resources)
    binding = total > a.resource_capacity_minutes
    _per_resource_rows(b, binding, c.load.astype(np.float64), a.resource_capacity_minutes)


def resource_tasks(b: _Builder) -> None:
    """Hard: a resource takes no more tasks than its task count."""
    a, c = b.a, b.c
    binding = _group_sizes(c.resource, a.n_resources) > a.resource_capacity_tasks
    _per_resource_rows(b, binding, np.ones(len(c)), a.resource_capacity_tasks)


def _per_resource_rows(b: _Builder, binding: np.ndarray, weights: np.ndarray, capacity: np.ndarray) -> None:
    rs = np.flatnonzero(binding)
    row_of = np.full(b.a.n_resources, -1)
    row_of[rs] = np.arange(len(rs))
    pairs = np.flatnonzero(binding[b.c.resource])
    b.rows.add(
        row_of[b.c.resource[pairs]], pairs, weights[pairs], np.full(len(rs), -np.inf), capacity[rs].astype(np.float64)
    )


def pairing_minimums(b: _Builder) -> None:
    """Hard: a binding fixed pairing (结对) of a unit group with a community serves at least its
    minimum of that community's needs (named, so an infeasible minimum is reported)."""
    a, c = b.a, b.c
    need_comm = a.need_community[c.need]
    res_group = a.resource_group[c.resource]
    for g, comm, minimum in a.pairing_minimums:
        if not c.hard_groups[g]:
            continue
        pairs = np.flatnonzero((res_group == g) & (need_comm == comm))
        first = b.rows.add(
            np.zeros(len(pairs), dtype=np.int64), pairs, np.ones(len(pairs)), np.array([minimum]), np.array([np.inf])
        )
        b.named[pairing_rule_name(a.group_ids[g], a.community_ids[comm], minimum)] = first


def pairing_rule_name(group: str, community: str, minimum: int) -> str:
    """How a hard pairing's minimum is named in every message."""
    return f"hard pairing {group} -> {community} serves at least {minimum} need(s)"


def required_needs(b: _Builder, served: sparse.csr_matrix) -> None:
    """Hard: a required need (必须服务) is served in every plan (named, so one that cannot be is reported)."""
    needs = np.flatnonzero(b.a.need_required)
    if len(needs) == 0:
        return
    first = b.rows.add_matrix(served[needs], np.ones(len(needs)), np.full(len(needs), np.inf))
    for i, n in enumerate(needs.tolist()):
        b.named[required_rule_name(b.a.need_ids[n])] = first + i


def required_rule_name(need: str) -> str:
    """How a required need is named in every message."""
    return f"required need {need} is served"


def community_shares(b: _Builder, served: sparse.csr_matrix) -> None:
    """Hard: every community has at least the policy's minimum share of its needs served
    (named, so an infeasible share is reported)."""
    share = b.policy.min_community_share
    if share <= 0:
        return
    a = b.a
    comms, counts, rows = served_by_community(a, served)
    for i, comm in enumerate(comms.tolist()):
        required = required_served(share, int(counts[i]))
        first = b.rows.add_matrix(rows[i], np.array([required]), np.array([np.inf]))
        b.named[
            (
                f"community {a.community_ids[comm]} has {required} of its {counts[i]} need(s) served "
                f"(minimum share {share:.0%})"
            )
        ] = first


def served_by_community(
    a: ProblemArrays, served: sparse.csr_matrix
) -> tuple[np.ndarray, np.ndarray, sparse.csr_matrix]:
    """(communities with needs, their need counts, one row per such community summing its needs'
    served indicators)."""
    counts = np.bincount(a.need_community, minlength=a.n_communities)
    comms = np.flatnonzero(counts)
    member = sparse.csr_matrix(
        (np.ones(a.n_needs), (a.need_community, np.arange(a.n_needs))), shape=(a.n_communities, a.n_needs)
    )[comms]
    return comms, counts[comms], (member @ served).tocsr()


def required_served(share: float, needs: int) -> int:
    """How many of a community's ``needs`` a minimum ``share`` asks to serve (rounded up)."""
    return math.ceil(share * needs - 1e-9)


def overload_columns(b: _Builder) -> tuple[np.ndarray, np.ndarray]:
    """Soft: load balancing — each resource's share of hours used beyond the policy's target, in
    permille, as an integer column tied to its pairs by a row. Returns (columns, their resources);
    the value phase gives the columns their cost."""
    a, c = b.a, b.c
    base = round(b.policy.balance_target * PERMILLE)
    hours = a.resource_capacity_minutes.astype(np.int64)
    total = np.bincount(c.resource, weights=c.load, minlength=a.n_resources).astype(np.int64)
    counted = (hours > 0) & (total * PERMILLE > base * hours)
    rs = np.flatnonzero(counted)
    # sum load * PERMILLE * x - hours * e <= base * hours
    cols, _, _ = _tied_columns(
        b,
        counted,
        c.resource,
        c.load.astype(np.float64) * PERMILLE,
        -hours[rs].astype(np.float64),
        float(PERMILLE - base),
        np.full(len(rs), -np.inf),
        (base * hours[rs]).astype(np.float64),
    )
    b.aux.overload = (cols, rs)
    return cols, rs


def worst_coverage_column(b: _Builder, served: sparse.csr_matrix) -> int:
    """Soft (equity, first phase): a column ``z`` with ``z / scale <=`` every community's served share.

    With ``scale >= max(needs per community)**2`` two different shares differ by at least
    ``1 / scale``, so maximising ``z`` maximises the worst coverage exactly."""
    comms, counts, per_community = served_by_community(b.a, served)
    scale = max(10_000, int(counts.max(initial=1)) ** 2)
    (z,) = b.columns(np.zeros(1), np.array([float(scale)]))
    b.aux.worst_coverage = (int(z), scale)
    block = per_community.tocoo()
    # served_c * scale - z * count_c >= 0
    rows = np.concatenate([block.row, np.arange(len(comms))])
    cols = np.concatenate([block.col, np.full(len(comms), z)])
    vals = np.concatenate([block.data * scale, -counts.astype(np.float64)])
    b.rows.add(rows, cols, vals, np.zeros(len(comms)), np.full(len(comms), np.inf))
    return int(z)


def _coverage_rows(
    problem: Problem, served: sparse.csr_matrix, aux: _Auxiliary
) -> Callable[[int], tuple[sparse.csr_matrix, np.ndarray]]:
    """Equity's level held per community: ``served(c) >= ceil(level * needs(c) / scale)``. Equal to
    ``z >= level`` at integers, and a tighter LP (the rounding up is a cut)."""
    assert aux.worst_coverage is not None
    _, scale = aux.worst_coverage
    _, counts, rows = served_by_community(problem.arrays, served)

    def hold(level: int) -> tuple[sparse.csr_matrix, np.ndarray]:
        return rows, np.ceil(level * counts / scale - 1e-9)

    return hold


def _coverage_levels(problem: Problem, aux: _Auxiliary) -> np.ndarray:
    """Every value ``z`` can take at an optimum: ``floor(scale * k / n)`` for each community's need
    count ``n`` and ``0 <= k <= n`` (the worst coverage is some community's served share)."""
    assert aux.worst_coverage is not None
    _, scale = aux.worst_coverage
    counts = np.unique(np.bincount(problem.arrays.need_community))
    levels = [(scale * np.arange(n + 1)) // n for n in counts.tolist() if n > 0]
    return np.unique(np.concatenate(levels)) if levels else np.zeros(1, dtype=np.int64)


def _pad(matrix: sparse.csr_matrix, n_columns: int) -> sparse.csr_matrix:
    extra = n_columns - matrix.shape[1]
    return matrix if extra == 0 else sparse.hstack([matrix, sparse.csr_matrix((matrix.shape[0], extra))]).tocsr()


def build_linear_model(problem: Problem, candidates: Candidates, policy: Policy) -> LinearModel:
    """The model of ``problem`` under ``policy``: every rule's rows and the objective phases."""
    b = _Builder(problem, candidates, policy)
    served = served_indicators(b)
    resource_hours(b)
    resource_tasks(b)
    pairing_minimums(b)
    required_needs(b, served)
    community_shares(b, served)
    overload: tuple[np.ndarray, np.ndarray] | None = None
    if policy.balance_weight > 0:
        overload = overload_columns(b)
    z = worst_coverage_column(b, served) if policy.objective == "equity" else None
    n = b.n_columns
    served = _pad(served, n)
    phases = priority_phases(problem, policy, served)
    if z is not None:
        objective = np.zeros(n)
        objective[z] = 1.0
        phases.append(
            Phase(
                "worst community coverage",
                objective,
                attainable=_coverage_levels(problem, b.aux),
                level_rows=_coverage_rows(problem, served, b.aux),
            )
        )
    phases.append(value_phase(candidates, policy, n, overload))
    matrix, row_lower, row_upper = b.rows.freeze(n)
    return LinearModel(
        len(candidates),
        np.concatenate(b.lower),
        np.concatenate(b.upper),
        matrix,
        row_lower,
        row_upper,
        b.named,
        phases,
        served,
        b.aux,
    )


def plan_columns(
    model: LinearModel, problem: Problem, candidates: Candidates, policy: Policy, chosen: np.ndarray
) -> np.ndarray:
    """All column values of a plan given as chosen pairs: the pairs, each all-or-nothing need's
    flag, each resource's overload and the worst coverage, at the values the plan implies."""
    a = problem.arrays
    values = np.zeros(model.n_columns)
    values[chosen] = 1.0
    taken = np.bincount(candidates.need[chosen], minlength=a.n_needs)
    cols, needs = model.aux.all_or_nothing
    values[cols] = taken[needs] >= a.need_providers[needs]
    cols, rs = model.aux.overload
    if len(cols):
        used = np.bincount(candidates.resource[chosen], weights=candidates.load[chosen], minlength=a.n_resources)
        hours = a.resource_capacity_minutes[rs].astype(np.float64)
        base = round(policy.balance_target * PERMILLE)
        values[cols] = np.clip(np.ceil((used[rs] * PERMILLE - base * hours) / hours - 1e-9), 0, PERMILLE - base)
    if model.aux.worst_coverage is not None:
        z, scale = model.aux.worst_coverage
        served = np.asarray(model.served[:, : len(candidates)] @ values[: len(candidates)]).ravel()
        served = np.where(a.need_providers > 1, taken >= a.need_providers, served)
        counts = np.bincount(a.need_community, minlength=a.n_communities)
        done = np.bincount(a.need_community, weights=served, minlength=a.n_communities)
        mine = counts > 0
        values[z] = np.floor(np.min(done[mine] * scale / counts[mine])) if mine.any() else 0
    return values


def priority_phases(problem: Problem, policy: Policy, served: sparse.csr_matrix) -> list[Phase]:
    """Soft, lexicographic: the urgency levels the policy serves first, each a phase that
    maximises how many of its needs are served (default: emergencies, 紧急)."""
    a = problem.arrays
    phases = []
    for level in policy.priority_urgencies:
        mine = a.need_urgency == URGENCIES.index(Urgency.parse(level))
        if not mine.any():
            continue
        objective = np.asarray(served[np.flatnonzero(mine)].sum(axis=0)).ravel()
        phases.append(Phase(f"{level} needs served", objective))
    return phases


def value_phase(
    candidates: Candidates, policy: Policy, n_columns: int, overload: tuple[np.ndarray, np.ndarray] | None
) -> Phase:
    """Soft: the summed value of the chosen pairs, less the load-balancing cost.

    With load balancing the value is scaled by PERMILLE so that the cost per permille of overload
    stays whole (``balance_weight * VALUE_SCALE`` per whole share of hours)."""
    objective = np.zeros(n_columns)
    objective[: len(candidates)] = candidates.value
    if overload is None:
        return Phase("value", objective)
    cols, _ = overload
    objective *= PERMILLE
    objective[cols] = -round(policy.balance_weight * VALUE_SCALE)
    return Phase("value", objective, PERMILLE)
