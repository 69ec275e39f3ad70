"""A lock that threads get in the order they asked for it, with a timeout."""

from __future__ import annotations

import threading
from collections import deque


class FifoLock:
    """A non-reentrant lock granted first come, first served.

    SQLite's own wait for its write lock polls with growing sleeps, so a writer that has
    waited long loses to one that just arrived; the writers of one process queue here instead
    (see highland.platform.db.request_engine). `release` hands the lock straight to the oldest
    waiter.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        """Wait at most `timeout` seconds for the lock; True when it is ours."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(max(0.0, timeout)):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ended
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        """Hand the lock to the oldest waiter, or free it."""
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._held = False

    @property
    def waiting(self) -> int:
        """How many threads are waiting."""
        return len(self._waiters)
