"""Project matching: communities order catalogue projects (点单), units claim them (认领), and
running instances serve needs beside direct service — decided together by one CP-SAT model."""

from matcher.projects.result import ProjectResult
from matcher.projects.solve import solve_projects

__all__ = ["ProjectResult", "solve_projects"]
