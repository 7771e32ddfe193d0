"""Statements of the claim path, compiled once per database dialect and run as plain SQL.

SQLAlchemy's execution of a Core statement (cache lookup, parameter and result bookkeeping) cost
more CPU than the database spent on the claim path's small statements: about a third of a server
process's Python time under load (py-spy). :class:`Prepared` compiles its statement once per
dialect with SQLAlchemy's compiler and applies the column types' own bind processors (times,
JSON), then runs it with ``exec_driver_sql``, which keeps SQLAlchemy's error handling: errors are
wrapped as usual and a broken connection is renewed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, CursorResult
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Compiled:
    sql: str
    defaults: dict[str, Any]
    order: tuple[str, ...] | None  # parameter names in order, for positional paramstyles
    processors: dict[str, Callable[[Any], Any]]


class Prepared:
    """One Core statement, compiled for each dialect it meets; ``column_keys`` names the columns
    an INSERT without values sets."""

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            assert isinstance(compiled, SQLCompiler)  # a Core statement compiles with the SQL compiler
            processors: dict[str, Callable[[Any], Any]] = {}
            for name, bind in compiled.binds.items():
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors[name] = processor
            found = _Compiled(
                str(compiled),
                dict(compiled.params),
                tuple(compiled.positiontup or ()) if dialect.positional else None,
                processors,
            )
            with self._lock:
                self._compiled[dialect.name] = found
        return found

    def bind(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[str, dict[str, Any] | tuple[Any, ...]]:
        """The SQL for ``dialect`` and the driver's parameters for it."""
        compiled = self._for(dialect)
        values = {**compiled.defaults, **params}
        for name, processor in compiled.processors.items():
            values[name] = processor(values[name])
        if compiled.order is None:
            return compiled.sql, values
        return compiled.sql, tuple(values[name] for name in compiled.order)

    def run(self, conn: Connection, params: Mapping[str, Any]) -> CursorResult:
        return conn.exec_driver_sql(*self.bind(conn.dialect, params))
