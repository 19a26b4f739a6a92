"""A readers-writer lock: many generations at once, but never while a model is being loaded.

transformers builds a model under a temporary "meta" device context; a generation running in
another thread at that moment can create its tensors on the meta device and fail ("Tensor on
device cpu is not on the expected device meta"). Loading is rare and generation is constant, so
loads take the lock exclusively and generations share it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


#: Shared by every engine in the process: loads write, generations read.
MODEL_ACCESS = ReadWriteLock()
