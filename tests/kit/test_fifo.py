"""The first-come, first-served lock of the writers of one process."""

from __future__ import annotations

import threading

from highland.platform.kit.fifo import FifoLock


def test_waiters_get_the_lock_in_arrival_order() -> None:
    lock = FifoLock()
    assert lock.acquire(0)
    order: list[int] = []
    threads = []
    for i in range(5):
        t = threading.Thread(target=lambda i=i: (lock.acquire(30), order.append(i), lock.release()))
        t.start()
        threads.append(t)
        while lock.waiting < i + 1:  # each is queued before the next one arrives
            threading.Event().wait(0.001)
    lock.release()
    for t in threads:
        t.join(30)
    assert order == [0, 1, 2, 3, 4]
    assert lock.acquire(0)  # free again


def test_a_waiter_gives_up_after_its_timeout_and_leaves_the_queue() -> None:
    lock = FifoLock()
    assert lock.acquire(0)
    assert not lock.acquire(0.01)
    assert lock.waiting == 0
    lock.release()
    assert lock.acquire(0)
