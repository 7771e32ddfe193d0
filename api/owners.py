"""Which server process owns a solve job, and whether that process is still alive.

``matcher serve --workers N`` runs N processes on one database. A job runs in the process that
accepted it; when a process dies (a crash, kill -9, a restart), its jobs must not stay
"running". An owner is ``host:pid:start``, where ``start`` is the process's start time in clock
ticks since boot (Linux ``/proc``), so a later process that reuses the pid is not mistaken for it.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path


def _start_ticks(pid: int) -> str:
    """The process's start time (field 22 of ``/proc/PID/stat``), or "" where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


@cache
def _host() -> str:
    return socket.gethostname()


def this_process() -> str:
    """The owner name of the calling process (computed per call: a forked child has its own pid)."""
    pid = os.getpid()
    return f"{_host()}:{pid}:{_start_ticks(pid)}"


def is_alive(owner: str | None) -> bool:
    """Whether the process named by ``owner`` still runs. Jobs of another host are taken to be
    alive (this host cannot tell); jobs with no owner come from before owners were recorded,
    when every start failed all unfinished jobs, and are taken to be dead."""
    parts = (owner or "").rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid_text, start = parts
    if host != _host():
        return True
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user: it exists
        pass
    return not start or _start_ticks(pid) == start
