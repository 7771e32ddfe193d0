"""Hard (policy ``min_community_share``): every community has at least that share of its needs
served. Soft (the equity objective): the worst community's served share, maximised first."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import sparse

from matcher.candidates import Candidates
from matcher.i18n import Text
from matcher.policy import Policy
from matcher.problem import ProblemArrays
from matcher.rules.model import Auxiliary, ModelBuilder
from matcher.rules.pairing import unmet
from matcher.rules.providers import served_needs


def required_served(share: float, needs: int) -> int:
    """How many of a community's ``needs`` a minimum ``share`` asks to serve (rounded up; the one
    rounding every solver and check uses)."""
    return math.ceil(share * needs - 1e-9)


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


def share_rule_name(community: str, required: int, needs: int, share: float) -> Text:
    """How a community's minimum share is named in every message."""
    return Text(
        "community {community} has {required} of its {needs} need(s) served (minimum share {share:.0%})",
        community=community,
        required=required,
        needs=needs,
        share=share,
    )


def add_community_shares(b: ModelBuilder, served: sparse.csr_matrix) -> None:
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
        b.named[share_rule_name(a.community_ids[comm], required, int(counts[i]), share)] = first


def check_community_shares(a: ProblemArrays, candidates: Candidates, policy: Policy, chosen: np.ndarray) -> list[Text]:
    """The communities whose served needs fall short of the policy's minimum share."""
    share = policy.min_community_share
    if share <= 0:
        return []
    counts = np.bincount(a.need_community, minlength=a.n_communities)
    done = np.bincount(a.need_community[served_needs(a, candidates, chosen)], minlength=a.n_communities)
    out = []
    for c in np.flatnonzero(counts).tolist():
        required = required_served(share, int(counts[c]))
        if done[c] < required:
            out.append(unmet(share_rule_name(a.community_ids[c], required, int(counts[c]), share), int(done[c])))
    return out


def add_worst_coverage(b: ModelBuilder, served: sparse.csr_matrix) -> int:
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


def coverage_rows(
    a: ProblemArrays, served: sparse.csr_matrix, aux: Auxiliary
) -> Callable[[int], tuple[sparse.csr_matrix, np.ndarray]]:
    """Equity's level held per community: ``served(c) >= ceil(level * needs(c) / scale)``. Equal to
    ``z >= level`` at integers, and a tighter LP (the rounding up is a cut)."""
    assert aux.worst_coverage is not None
    _, scale = aux.worst_coverage
    _, counts, rows = served_by_community(a, served)

    def hold(level: int) -> tuple[sparse.csr_matrix, np.ndarray]:
        return rows, np.ceil(level * counts / scale - 1e-9)

    return hold


def coverage_levels(a: ProblemArrays, aux: Auxiliary) -> np.ndarray:
    """Every value ``z`` can take at an optimum: ``floor(scale * k / n)`` for each community's need
    count ``n`` and ``0 <= k <= n`` (the worst coverage is some community's served share)."""
    assert aux.worst_coverage is not None
    _, scale = aux.worst_coverage
    counts = np.unique(np.bincount(a.need_community))
    levels = [(scale * np.arange(n + 1)) // n for n in counts.tolist() if n > 0]
    return np.unique(np.concatenate(levels)) if levels else np.zeros(1, dtype=np.int64)


def worst_coverage(a: ProblemArrays, served: np.ndarray, scale: int) -> int:
    """``z`` of a plan: the worst community's served share times ``scale``, rounded down."""
    counts = np.bincount(a.need_community, minlength=a.n_communities)
    done = np.bincount(a.need_community, weights=served, minlength=a.n_communities)
    mine = counts > 0
    return int(np.floor(np.min(done[mine] * scale / counts[mine]))) if mine.any() else 0
