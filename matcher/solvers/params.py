"""The parameters of a solve, in one dataclass that checks itself."""

from __future__ import annotations

from dataclasses import dataclass

from matcher.errors import FieldError
from matcher.i18n import Text

#: Engines of the exact solver; HiGHS proves the core model's optimum fastest (docs/engines.md).
ENGINE_NAMES = ("highs", "cpsat")
#: The relative gap under which a plan counts as optimal (0.01%).
DEFAULT_GAP = 1e-4


@dataclass(frozen=True)
class SolveParams:
    """How long and how to search: seconds, CP-SAT workers and deterministic time, the seed,
    the engine, and the relative gap at which a plan counts as optimal."""

    time_limit: float = 30.0
    workers: int = 2
    seed: int = 0
    deterministic_time: float | None = None
    engine: str = "highs"
    gap: float = DEFAULT_GAP

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise FieldError("time_limit", Text("must be positive, got {value!r}", value=self.time_limit))
        if self.workers < 1:
            raise FieldError("workers", Text("must be at least 1, got {value!r}", value=self.workers))
        if self.engine not in ENGINE_NAMES:
            raise FieldError(
                "engine",
                Text("expected one of {items}, got {value!r}", items=", ".join(ENGINE_NAMES), value=self.engine),
            )
        if not 0 <= self.gap < 1:
            raise FieldError("gap", Text("must lie in [0, 1), got {value!r}", value=self.gap))
