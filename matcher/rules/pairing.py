"""Hard: a binding fixed pairing (结对) of a unit group with a community serves at least its minimum
of that community's needs. Which groups bind is the policy's (``pairings``: declared, hard, soft;
:func:`matcher.candidates.hard_groups`); that a bound unit serves only its paired communities is
already in the candidates (and in the claim rules, :mod:`matcher.rules.claims`)."""

from __future__ import annotations

import numpy as np

from matcher.candidates import Candidates
from matcher.i18n import Text
from matcher.problem import ProblemArrays
from matcher.rules.model import ModelBuilder


def pairing_rule_name(group: str, community: str, minimum: int) -> Text:
    """How a hard pairing's minimum is named in every message (the core's and the project model's)."""
    return Text(
        "hard pairing {group} -> {community} serves at least {minimum} need(s)",
        group=group,
        community=community,
        minimum=minimum,
    )


def binding_minimums(a: ProblemArrays, candidates: Candidates) -> list[tuple[int, int, int]]:
    """(group, community, minimum) of every pairing minimum whose group binds under the policy."""
    return [(g, c, m) for g, c, m in a.pairing_minimums if candidates.hard_groups[g]]


def add_pairing_minimums(b: ModelBuilder) -> None:
    """Hard: each binding pairing's group serves at least its minimum of the community's needs
    (named, so an infeasible minimum is reported)."""
    a, c = b.a, b.c
    need_comm = a.need_community[c.need]
    res_group = a.resource_group[c.resource]
    for g, comm, minimum in binding_minimums(a, c):
        pairs = np.flatnonzero((res_group == g) & (need_comm == comm))
        first = b.rows.add(
            np.zeros(len(pairs), dtype=np.int64), pairs, np.ones(len(pairs)), np.array([minimum]), np.array([np.inf])
        )
        b.named[pairing_rule_name(a.group_ids[g], a.community_ids[comm], minimum)] = first


def check_pairing_minimums(a: ProblemArrays, candidates: Candidates, chosen: np.ndarray) -> list[Text]:
    """The binding pairing minimums the chosen pairs leave unmet, each with what was served."""
    group = a.resource_group[candidates.resource[chosen]]
    community = a.need_community[candidates.need[chosen]]
    out = []
    for g, c, minimum in binding_minimums(a, candidates):
        done = int(np.count_nonzero((group == g) & (community == c)))
        if done < minimum:
            out.append(unmet_pairing(a, g, c, minimum, done))
    return out


def unmet_pairing(a: ProblemArrays, group: int, community: int, minimum: int, done: int) -> Text:
    """A pairing minimum left unmet, in the rule's one wording."""
    return unmet(pairing_rule_name(a.group_ids[group], a.community_ids[community], minimum), done)


def unmet(rule: Text, done: int) -> Text:
    """A rule that asks for a number of needs served, left unmet with ``done`` served."""
    return Text("{rule}: {done} served", rule=rule, done=done)
