"""Which server process owns a solve job, and whether any process still runs it: leases.

``matcher serve --workers N`` runs N processes on one database, possibly on several hosts. A job
runs in the process that accepted it; when that process dies (a crash, kill -9, a restart), its
jobs must not stay "running". Each process holds a lease in the database (``process_leases``)
and renews it while it lives; a job whose owner's lease has lapsed, or who never held one, has
no process left, and any live process fails it. A process of this host that is gone (or a
zombie) is known dead at once, without waiting for its lease; a pid alone never proves a process
alive, since pids are reused and a zombie still has one.

An owner is ``host:pid:start``, where ``start`` is the process's start time in clock ticks since
boot (Linux ``/proc``), so a later process that reuses the pid is not mistaken for it.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.models import ProcessLease, now


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state first), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def _start_ticks(pid: int) -> str:
    """The process's start time (field 22 of ``/proc/PID/stat``), or "" where there is no /proc."""
    fields = _stat(pid)
    return fields[19] if fields else ""


@cache
def _host() -> str:
    return socket.gethostname()


def this_process() -> str:
    """The owner name of the calling process (computed per call: a forked child has its own pid)."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_ticks(pid)}"


def surely_gone(owner: str) -> bool:
    """Whether ``owner`` is a process of this host that has exited, is a zombie, or whose pid now
    belongs to a later process. Other hosts' processes are never surely gone (their leases tell)."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or parts[0] != _host() or not Path("/proc").is_dir():
        return False
    fields = _stat(int(parts[1]))
    return fields is None or fields[0] in ("Z", "X") or (bool(parts[2]) and fields[19] != parts[2])


def renew(session: Session, owner: str, seconds: float) -> None:
    """Hold or extend ``owner``'s lease for ``seconds`` from now."""
    at = now()
    lease = session.get(ProcessLease, owner, with_for_update=True)
    if lease is None:
        session.add(ProcessLease(owner=owner, expires_at=at + timedelta(seconds=seconds), renewed_at=at))
    else:
        lease.expires_at, lease.renewed_at = at + timedelta(seconds=seconds), at


def release(session: Session, owner: str) -> None:
    """Give up ``owner``'s lease (a process that stops cleanly)."""
    session.execute(delete(ProcessLease).where(ProcessLease.owner == owner))


def dead(session: Session, owners: set[str]) -> set[str]:
    """Those of ``owners`` with no live process: no lease, a lapsed lease, or surely gone."""
    live = set(
        session.scalars(
            select(ProcessLease.owner).where(ProcessLease.owner.in_(owners), ProcessLease.expires_at >= now())
        )
    )
    return {owner for owner in owners if owner not in live or surely_gone(owner)}


def forget_lapsed(session: Session, older_than: float) -> None:
    """Delete leases that lapsed more than ``older_than`` seconds ago (their jobs are failed by then)."""
    session.execute(delete(ProcessLease).where(ProcessLease.expires_at < now() - timedelta(seconds=older_than)))
