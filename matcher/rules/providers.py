"""Hard: a need takes all its providers or none (and so is served at most once)."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from matcher.candidates import Candidates
from matcher.i18n import Text
from matcher.problem import ProblemArrays
from matcher.rules.model import ModelBuilder, group_sizes


def add_all_or_nothing(b: ModelBuilder) -> sparse.csr_matrix:
    """Hard: a need takes all its providers or none.

    A need taking one provider takes at most one pair, and is served when it does; a need taking
    ``k > 1`` providers gets an all-or-nothing column ``s`` with ``sum x = k s``; a need with fewer
    candidates than providers cannot be served (its pairs are fixed to 0). Returns the (needs ×
    columns) matrix whose row n is need n's served indicator."""
    a, c = b.a, b.c
    providers = a.need_providers.astype(np.int64)
    pairs_per_need = group_sizes(c.need, a.n_needs)
    single = providers[c.need] == 1
    # at most one pair for a single-provider need with several candidates
    multi_single = (pairs_per_need > 1) & (providers == 1)
    count = int(multi_single.sum())
    b.per_owner_rows(multi_single, c.need, np.ones(len(c)), np.full(count, -np.inf), np.ones(count))
    # all or nothing for needs with several providers
    several = (providers > 1) & (pairs_per_need >= providers)
    needs_k = np.flatnonzero(several)
    s_cols, pairs, row_of = b.tied_columns(
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


def served_needs(a: ProblemArrays, candidates: Candidates, chosen: np.ndarray) -> np.ndarray:
    """Per need, whether the chosen pairs serve it (with all the providers it takes)."""
    taken = np.bincount(candidates.need[chosen], minlength=a.n_needs)
    return taken >= a.need_providers


def check_all_or_nothing(a: ProblemArrays, candidates: Candidates, chosen: np.ndarray) -> list[Text]:
    """The needs the chosen pairs give some providers but not exactly as many as they take."""
    taken = np.bincount(candidates.need[chosen], minlength=a.n_needs)
    wrong = np.flatnonzero((taken > 0) & (taken != a.need_providers))
    return [
        Text(
            "need {need} has {taken} of its {providers} provider(s)",
            need=a.need_ids[n],
            taken=int(taken[n]),
            providers=int(a.need_providers[n]),
        )
        for n in wrong.tolist()
    ]
