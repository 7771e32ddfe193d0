"""Project matching: communities order catalogue projects (点单), units claim them (认领), and
running instances serve needs beside direct service — decided together by one joint model.

``ProjectResult`` and ``solve_projects`` are loaded when first used, so that importing
:mod:`matcher.projects.dispatch` for a direct run does not load the project model and OR-Tools'
CP-SAT (about half a second of start-up)."""

from __future__ import annotations

from typing import Any

__all__ = ["ProjectResult", "solve_projects"]


def __getattr__(name: str) -> Any:
    if name == "ProjectResult":
        from matcher.projects.result import ProjectResult

        return ProjectResult
    if name == "solve_projects":
        from matcher.projects.solve import solve_projects

        return solve_projects
    raise AttributeError(name)
