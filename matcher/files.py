"""Writing output files so that a folder never holds a half-written set."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _file_mode() -> int:
    """The permissions a newly created file gets under the process's umask (0o644 under 022).

    Read once at import: ``os.umask`` can only be read by setting it, which is not thread-safe."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


def write_files(out_dir: str | Path, texts: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``{file name: text or bytes}`` into ``out_dir``: every file is staged under a hidden
    temporary name first, then all are moved into place, so an error leaves no partial output."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in texts.items():
            fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.")
            staged.append((tmp, out / name))
            os.fchmod(fd, _FILE_MODE)  # mkstemp makes files private; outputs get the usual permissions
            with os.fdopen(fd, "wb") as fh:
                fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    return [final for _, final in staged]


def csv_text(rows: list[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """Rows as CSV text; columns default to every key in order of first appearance."""
    if columns is None:
        columns = []
        for row in rows:
            columns += [k for k in row if k not in columns]
    buffer = io.StringIO()
    if columns:
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
