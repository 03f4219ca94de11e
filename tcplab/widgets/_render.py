"""Shared helpers for the queue/ISN explorers: figure → inline SVG, a small result cache."""

from __future__ import annotations

import atexit
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from tcplab.viz._svg import figure_to_svg


def figure_svg(fig: Figure) -> str:
    """The figure as an inline, column-fitting ``<svg>`` string (closed afterwards)."""
    svg = figure_to_svg(fig)
    plt.close(fig)
    return svg


class LRU:
    """A small bounded cache: slider positions seen before re-render instantly.

    :meth:`warm` fills it ahead of the user: after a redraw, an explorer names the
    positions a student is likely to pick next (the neighbours on each slider), and one
    background thread renders them while the kernel would otherwise sit idle. A pick that
    is not ready yet is rendered at once, as without warming.
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._d: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.RLock()
        self._pending: list[tuple[Hashable, Callable[[], Any]]] = []
        self._worker: threading.Thread | None = None
        _CACHES.add(self)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self._pending.clear()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._d

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
        value = make()
        with self._lock:
            self._d[key] = value
            while len(self._d) > self.size:
                self._d.popitem(last=False)
        return value

    def warm(self, jobs: Iterable[tuple[Hashable, Callable[[], Any]]]) -> None:
        """Render ``(key, make)`` jobs in the background, replacing older pending ones."""
        with self._lock:
            self._pending = [(k, m) for k, m in jobs if k not in self._d][: self.size // 2]
            if self._pending and (self._worker is None or not self._worker.is_alive()):
                self._worker = threading.Thread(target=self._drain, daemon=True)
                self._worker.start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                key, make = self._pending.pop(0)
            self.get(key, make)

    def stop(self) -> None:
        """Drop pending renders and let the current one finish."""
        with self._lock:
            self._pending.clear()
        self.wait()

    def wait(self, timeout: float = 30.0) -> None:
        """Until the background renders are done (for tests and benchmarks)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)


# A render thread still inside matplotlib when the interpreter exits aborts the process:
# stop every cache's warming first.
_CACHES: weakref.WeakSet[LRU] = weakref.WeakSet()


@atexit.register
def _stop_warming() -> None:
    for cache in list(_CACHES):
        cache.stop()
