"""Where independent parts run: on a Dask cluster, or here one after another.

Both executors have the same interface, so the same parts with the same time shares can be solved
either way (``bench/bench_parts.py`` measures one against the other in the same run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from matcher.errors import FieldError
from matcher.i18n import Text


def connect(scheduler: str | None, n_workers: int = 2, timeout: float = 10.0) -> Any:
    """A Dask client: a new LocalCluster of ``n_workers`` processes, or the scheduler at an address.

    A scheduler that does not answer within ``timeout`` seconds raises :class:`FieldError`.
    """
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster)
    try:
        return Client(scheduler, timeout=f"{timeout}s")
    except Exception as exc:  # refused, timed out, or something that is not a Dask scheduler answered
        raise FieldError(
            "--scheduler",
            Text(
                "no Dask scheduler answered at {address!r} within {seconds:g} s ({error})",
                address=scheduler,
                seconds=timeout,
                error=type(exc).__name__,
            ),
        ) from None


def close(client: Any, own_cluster: bool) -> None:
    """Close ``client``, and its local cluster when this process started it."""
    cluster = client.cluster
    client.close()
    if cluster is not None and own_cluster:
        cluster.close()


class Executor(Protocol):
    """Runs ``task(shared, item)`` for every item and returns the answers in the items' order;
    ``workers`` is the parallelism parts are cut and timed for, ``where`` says where they ran."""

    @property
    def workers(self) -> int: ...

    @property
    def where(self) -> str: ...

    def map(self, task: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list[Any]: ...


@dataclass(frozen=True)
class Serial:
    """Every part here, one after another; ``workers`` is the parallelism the time shares assume."""

    workers: int = 1

    @property
    def where(self) -> str:
        return Text("this process, one part after another")

    def map(self, task: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list[Any]:
        return [task(shared, item) for item in items]


@dataclass(frozen=True)
class OnDask:
    """Every part a task on the Dask cluster behind ``client``; ``shared`` is sent to each worker once.
    ``groups`` overrides the parallelism the parts are cut and timed for (default: the workers)."""

    client: Any
    groups: int | None = None

    @property
    def workers(self) -> int:
        return self.groups or max(1, len(self.client.scheduler_info().get("workers", {})))

    @property
    def where(self) -> str:
        workers = len(self.client.scheduler_info().get("workers", {}))
        return Text("Dask ({workers} workers at {address})", workers=workers, address=self.client.scheduler.address)

    def map(self, task: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> list[Any]:
        data = self.client.scatter(shared, broadcast=True)
        # Dask's priorities keep the items' order (callers put the largest parts first).
        futures = [
            self.client.submit(task, data, item, pure=False, priority=len(items) - i) for i, item in enumerate(items)
        ]
        try:
            return self.client.gather(futures)
        finally:
            self.client.cancel(futures)
