"""How core functions report progress without knowing who is watching.

Core code calls ``progress.task(description, total)`` and advances the handle it gets back;
the CLI passes a Rich implementation, tests and the web worker pass ``NO_PROGRESS``.
"""

from __future__ import annotations

from typing import Protocol


class TaskHandle(Protocol):
    def advance(self, amount: int = 1) -> None: ...

    def update(self, *, completed: int | None = None, total: int | None = None) -> None: ...


class Progress(Protocol):
    def task(self, description: str, total: int | None = None) -> TaskHandle: ...


class _NullTask:
    def advance(self, amount: int = 1) -> None:
        pass

    def update(self, *, completed: int | None = None, total: int | None = None) -> None:
        pass


class NullProgress:
    def task(self, description: str, total: int | None = None) -> TaskHandle:
        return _NullTask()


NO_PROGRESS: Progress = NullProgress()
