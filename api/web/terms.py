"""Domain words in the page's language: vocabulary values by their Chinese labels (the core's
:mod:`matcher.vocabulary`), reason codes, rules and statuses from this catalogue."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from matcher.io.headers import FIELD_ALIASES, SHEET_ALIASES
from matcher.rules.claims import ClaimRule
from matcher.vocabulary import (
    Category,
    Level,
    PairingMode,
    PopulationGroup,
    ResourceKind,
    Slot,
    StationType,
    Tier,
    Urgency,
    Vocabulary,
)

#: Fields whose values come from a vocabulary.
VOCABULARY_OF: dict[str, type[Vocabulary]] = {
    "category": Category,
    "categories": Category,
    "tier": Tier,
    "urgency": Urgency,
    "kind": ResourceKind,
    "level": Level,
    "group": PopulationGroup,
    "slot": Slot,
    "availability": Slot,
    "mode": PairingMode,
    "venue_type": StationType,
    "type": StationType,
}

REASONS = {
    "no_skill": _l("nobody anywhere offers the category and skills"),
    "out_of_reach": _l("nobody with the skills is within their service radius"),
    "not_available": _l("nobody in reach is available in the need's time slot"),
    "too_slow": _l("nobody available can arrive before the deadline"),
    "pairing_blocked": _l("only units bound to other communities by fixed pairings (结对) could serve"),
    "not_worthwhile": _l("travel costs more than the need is worth for every candidate"),
    "too_few_providers": _l("fewer candidates than the providers the need takes"),
    "capacity": _l("every candidate's capacity went to other needs"),
    "not_chosen": _l("candidates had room left; the solver left the need (its value, a side rule or the time limit)"),
    "budget": _l("the community's budget is spent"),
    "venue": _l("the station is full or closed"),
    "no_claimant": _l("too few eligible units can claim (认领) the order"),
    "order_not_run": _l("the order (点单) that would serve it is not claimed in full"),
}

RULES = {
    "skills": _l("lacks the skills"),
    "reach": _l("out of reach"),
    "slot": _l("not available in the slot"),
    "deadline": _l("cannot arrive before the deadline"),
    "pairing": _l("bound elsewhere by a fixed pairing (结对)"),
    "worth": _l("travel costs more than the need is worth"),
    "capacity": _l("full: its capacity went to other needs"),
    "chosen": _l("had room; the solver chose otherwise"),
    "serves": _l("serves this need"),
}

STATUSES = {
    "queued": _l("queued"),
    "running": _l("running"),
    "done": _l("done"),
    "stopped": _l("stopped"),
    "failed": _l("failed"),
    "optimal": _l("optimal (proven best)"),
    "feasible": _l("feasible (stopped early; see the gap)"),
    "no_solution_in_time": _l("no plan in time (greedy start, nothing proven)"),
    "heuristic": _l("heuristic (nothing proven)"),
    "stable": _l("stable matching"),
}

LISTS = {
    "communities": _l("Communities"),
    "needs": _l("Needs list (需求清单)"),
    "resources": _l("Resources list (资源清单)"),
    "projects": _l("Projects list (项目清单)"),
    "pairings": _l("Fixed pairings (结对)"),
    "orders": _l("Orders (点单)"),
    "claims": _l("Claims (认领)"),
}


def chinese() -> bool:
    return str(get_locale()).startswith("zh")


def value_text(field: str, value: Any) -> str:
    """A record's value as shown: vocabulary words by their Chinese label in Chinese pages."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value_text(field, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    enum = VOCABULARY_OF.get(field)
    if enum is not None and chinese():
        try:
            return enum.parse(value).label
        except ValueError:
            return str(value)
    return str(value)


def field_text(field: str) -> str:
    """A column's name: its first Chinese alias in Chinese pages (the name a spreadsheet may use)."""
    aliases = FIELD_ALIASES.get(field)
    return aliases[0] if aliases and chinese() else field  # "" (no field) stays ""


def sheet_text(list_name: str) -> str:
    """A list's sheet name: 需求清单, 资源清单 … in Chinese pages."""
    return SHEET_ALIASES[list_name][0] if list_name in SHEET_ALIASES and chinese() else list_name


def term(table: dict[str, Any], code: str) -> str:
    return str(table.get(code, code))


#: The 三会 stages of an order (点单) and its cancellation.
STAGES = {
    "hearing": _l("hearing (听证会)"),
    "running": _l("coordination, running (协调会)"),
    "evaluated": _l("evaluated (评议会)"),
    "cancelled": _l("cancelled at the hearing"),
}

CLAIM_STATUSES = {
    "active": _l("active"),
    "withdrawn": _l("withdrawn"),
    "cancelled": _l("cancelled with its order"),
    "pending": _l("pending"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "lapsed": _l("lapsed"),
}

#: The claim rules (认领资格) in English; Chinese pages show the core's own labels.
CLAIM_RULES = {
    "kind": _l("only units, social organisations, workshops and departments claim projects"),
    "category": _l("does not offer the project's category"),
    "skills": _l("lacks a skill the project needs"),
    "reach": _l("the ordering community is beyond its radius or level"),
    "pairing": _l("a hard pairing (结对) binds it to other communities"),
}


def claim_rule_text(code: str) -> str:
    """A claim rule as the page's language says it: the core's Chinese label, or English."""
    return ClaimRule.parse(code).label if chinese() else term(CLAIM_RULES, code)


#: Audit log actions (审计) as a person reads them.
ACTIONS = {
    "order.create": _l("ordered (点单)"),
    "order.running": _l("to coordination (协调会)"),
    "order.evaluated": _l("evaluated (评议会)"),
    "order.cancelled": _l("cancelled at the hearing"),
    "claim.create": _l("claimed (认领)"),
    "claim.withdraw": _l("claim withdrawn"),
    "claim.cancelled": _l("claim cancelled with its order"),
    "transfer.offer": _l("transfer offered"),
    "transfer.accepted": _l("transfer accepted"),
    "transfer.declined": _l("transfer declined"),
    "transfer.lapsed": _l("transfer lapsed"),
    "dispatch.arrival": _l("need arrived (intake)"),
    "dispatch.accept": _l("dispatched (派单)"),
    "dispatch.unpin": _l("dispatch undone"),
}
