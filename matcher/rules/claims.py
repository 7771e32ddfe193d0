"""Hard: who may claim a provider slot of an order (认领) — the rules, as arrays over the whole problem.

A resource may claim a slot of project ``p`` ordered by community ``c`` when it is an
organisation (units, social organisations, workshops, departments: volunteers and party members
serve needs directly), offers the project's category and every skill of the project, reaches
``c`` within its radius and its level's scope (the core's ``reach_pairs``), and no hard pairing
(结对) binds it to other communities. The solver's decision space (:mod:`matcher.projects.space`)
and the service's check of each claim (:meth:`Claimants.check_claim`, :mod:`api.eligibility`) both
read these arrays, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.candidates import hard_groups, reach_pairs
from matcher.policy import Policy
from matcher.problem import CATEGORIES, Problem
from matcher.vocabulary import ResourceKind, Vocabulary

#: Who may claim a provider slot (认领): units and organisations; individual volunteers and party
#: members serve needs directly.
CLAIMANT_KINDS = frozenset({ResourceKind.UNIT, ResourceKind.SOCIAL_ORG, ResourceKind.WORKSHOP, ResourceKind.DEPARTMENT})


class ClaimRule(Vocabulary):
    """The rules a claim must meet, in the order they are checked; the label says it to a planner."""

    KIND = "kind", "只有驻区单位、社会组织、工作室和职能部门认领项目，志愿者和党员直接服务需求"
    CATEGORY = "category", "该资源不提供项目的服务类别"
    SKILLS = "skills", "该资源缺少项目需要的技能"
    REACH = "reach", "订单所在社区超出该资源的服务半径或层级范围"
    PAIRING = "pairing", "硬结对把该资源绑定在其他社区"


@dataclass(frozen=True)
class Claimants:
    """Per rule, which claims it allows: project x resource, resource x community."""

    kind: np.ndarray  # (R,) bool: an organisation
    category: np.ndarray  # (P, R) bool: offers the project's category
    skills: np.ndarray  # (P, R) bool: has every skill of the project
    reach: np.ndarray  # (R, C) bool: within radius and scope
    unbound: np.ndarray  # (R, C) bool: no hard pairing binds it elsewhere

    @property
    def claimant(self) -> np.ndarray:
        """(P, R) bool: may claim the project somewhere (kind, category and skills)."""
        return self.kind[None, :] & self.category & self.skills

    def check_claim(self, project: int, resource: int, community: int) -> ClaimRule | None:
        """The first rule a claim of ``project`` ordered by ``community`` by ``resource`` breaks, if any."""
        held = (
            (ClaimRule.KIND, self.kind[resource]),
            (ClaimRule.CATEGORY, self.category[project, resource]),
            (ClaimRule.SKILLS, self.skills[project, resource]),
            (ClaimRule.REACH, self.reach[resource, community]),
            (ClaimRule.PAIRING, self.unbound[resource, community]),
        )
        return next((rule for rule, ok in held if not ok), None)


def claimants(problem: Problem, policy: Policy) -> Claimants:
    """The claim rules of every project, resource and community of ``problem`` under ``policy``."""
    a = problem.arrays
    cat = {c: i for i, c in enumerate(CATEGORIES)}
    projects = problem.projects
    kind = np.array([r.kind in CLAIMANT_KINDS for r in problem.resources], dtype=bool)
    distinct = list(dict.fromkeys(r.skills for r in problem.resources))
    index = {k: i for i, k in enumerate(distinct)}
    resource_set = np.array([index[r.skills] for r in problem.resources], dtype=np.int64)
    category = np.zeros((len(projects), a.n_resources), dtype=bool)
    skills = np.zeros((len(projects), a.n_resources), dtype=bool)
    for p, project in enumerate(projects):
        category[p] = (a.resource_categories & np.uint8(1 << cat[project.category])) != 0
        skills[p] = np.array([project.skills <= held for held in distinct], dtype=bool)[resource_set]
    reach = np.zeros((a.n_resources, a.n_communities), dtype=bool)
    reach_r, reach_c = reach_pairs(a)
    reach[reach_r, reach_c] = True
    paired = np.vstack([a.paired, np.zeros(a.n_communities, dtype=bool)])  # row -1: no group
    bound = np.append(hard_groups(a, policy), False)[a.resource_group]  # (R,) its pairings bind
    unbound = ~bound[:, None] | paired[a.resource_group]
    return Claimants(kind, category, skills, reach, unbound)
