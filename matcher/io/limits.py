"""How much one reading of a scenario may hold: expanded bytes, rows and cells (上传上限).

An upload gets small limits so that a file built to expand (a zip bomb, a YAML of nested
aliases) is refused at once; a planner's own files on the command line get large ones that only
stop a file no planner would keep.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.errors import Issue, ScenarioError
from matcher.i18n import Text

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps for all files of one scenario together."""

    expanded_bytes: int  # text and XML after decompression (an XLSX is a zip archive)
    rows: int  # records in all lists
    cells: int  # cells in all tables (a workbook counts every cell of every sheet)

    def describe(self) -> str:
        return (
            f"at most {self.expanded_bytes // MIB} MiB of text after decompression, "
            f"{self.rows:,} rows and {self.cells:,} cells"
        )


#: Limits of a scenario uploaded through the API (POST /scenarios).
UPLOAD_LIMITS = Limits(expanded_bytes=32 * MIB, rows=50_000, cells=250_000)
#: Limits of a scenario the command line reads from the planner's own disk.
LOCAL_LIMITS = Limits(expanded_bytes=2048 * MIB, rows=5_000_000, cells=50_000_000)


class LimitError(ScenarioError):
    """A scenario holds more than its :class:`Limits` allow; ``limit`` names the cap exceeded."""

    def __init__(self, shown: str, limit: str, message: str) -> None:
        self.limit = limit
        super().__init__([Issue(shown, "", "", message)])


class Tally:
    """What one reading has used so far, refused as soon as it passes a limit."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.expanded_bytes = 0
        self.rows = 0
        self.cells = 0

    def add(self, shown: str, *, expanded_bytes: int = 0, rows: int = 0, cells: int = 0) -> None:
        """Count what ``shown`` holds; raise :class:`LimitError` naming the first limit passed."""
        self.expanded_bytes += expanded_bytes
        self.rows += rows
        self.cells += cells
        if self.expanded_bytes > self.limits.expanded_bytes:
            raise LimitError(
                shown,
                "expanded_bytes",
                Text(
                    "more than {mib} MiB of text after decompression (the limit per scenario)",
                    mib=self.limits.expanded_bytes // MIB,
                ),
            )
        if self.rows > self.limits.rows:
            raise LimitError(
                shown, "rows", Text("more than {rows:,} rows (the limit per scenario)", rows=self.limits.rows)
            )
        if self.cells > self.limits.cells:
            raise LimitError(
                shown, "cells", Text("more than {cells:,} cells (the limit per scenario)", cells=self.limits.cells)
            )
