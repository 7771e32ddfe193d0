"""Where a scenario's files come from: the planner's folder (command line) or the files uploaded
with it (API). An uploaded scenario may name only files uploaded with it, by their bare names;
nothing on the server's disk is ever opened for it, so no error can tell what exists there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from matcher.errors import Issue, ScenarioError
from matcher.i18n import Text
from matcher.io.limits import LOCAL_LIMITS, UPLOAD_LIMITS, Limits, Tally


class Source(ABC):
    """Named files of one scenario, with what reading them has used (:class:`Tally`), the
    encoding each text file was read in, and the workbooks opened so far."""

    def __init__(self, limits: Limits) -> None:
        self.tally = Tally(limits)
        self.encodings: dict[str, str] = {}
        self.workbooks: dict[str, Any] = {}

    @abstractmethod
    def shown(self, name: str) -> str:
        """How errors name the file ``name``."""

    @abstractmethod
    def check(self, name: str, by: str = "", field: str = "") -> None:
        """Refuse a name this source may not open; ``by`` and ``field`` are the file and key that
        named it (for errors)."""

    @abstractmethod
    def read(self, name: str, by: str = "", field: str = "") -> bytes:
        """The bytes of ``name`` (checked first)."""

    @abstractmethod
    def exists(self, name: str) -> bool:
        """Whether ``name`` is a file this source holds."""


class Folder(Source):
    """Files beside a scenario on the planner's own disk; paths are relative to its folder."""

    def __init__(self, base: Path, limits: Limits = LOCAL_LIMITS) -> None:
        super().__init__(limits)
        self.base = base

    def shown(self, name: str) -> str:
        return str(self.base / name)

    def exists(self, name: str) -> bool:
        return (self.base / name).is_file()

    def check(self, name: str, by: str = "", field: str = "") -> None:
        """Any path the planner's scenario names may be read (relative to its folder)."""

    def read(self, name: str, by: str = "", field: str = "") -> bytes:
        if not self.exists(name):
            raise ScenarioError([Issue(self.shown(name), "", "", Text("file not found"))])
        return (self.base / name).read_bytes()


class Upload(Source):
    """Files uploaded together, by file name; a scenario can reach nothing else."""

    def __init__(self, files: Mapping[str, bytes], limits: Limits = UPLOAD_LIMITS) -> None:
        super().__init__(limits)
        self.files = dict(files)

    def shown(self, name: str) -> str:
        return name

    def exists(self, name: str) -> bool:
        return name in self.files

    def read(self, name: str, by: str = "", field: str = "") -> bytes:
        self.check(name, by, field)
        return self.files[name]

    def check(self, name: str, by: str = "", field: str = "") -> None:
        if not is_bare_name(name):
            raise ScenarioError(
                [
                    Issue(
                        by,
                        "",
                        field,
                        "not a file name: an uploaded scenario names only files "
                        "uploaded with it, by name, without folders",
                    )
                ]
            )
        if name not in self.files:
            uploaded = ", ".join(sorted(self.files)) or "none"
            raise ScenarioError(
                [
                    Issue(
                        by,
                        "",
                        field,
                        Text(
                            "{name!r} was not uploaded with the scenario (uploaded: {uploaded})",
                            name=name,
                            uploaded=uploaded,
                        ),
                    )
                ]
            )


def is_bare_name(name: str) -> bool:
    """A plain file name: no folder part (either slash), not '.' or '..', no NUL, not absolute."""
    return (
        bool(name)
        and name not in (".", "..")
        and "\0" not in name
        and PurePosixPath(name).name == name
        and PureWindowsPath(name).name == name
    )


def upload_name(filename: str) -> str:
    """The bare name of an uploaded file as the client sent it (a folder part is dropped)."""
    return PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
