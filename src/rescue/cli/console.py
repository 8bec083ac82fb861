"""What the CLI shares: the Rich console, progress bars, opening a case, printing errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rescue.case import Case, open_case
from rescue.errors import RescueError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

P = ParamSpec("P")
R = TypeVar("R")

CASE_OPTION = typer.Option(..., "--case", "-c", help="The case folder.", show_default=False)


class _RichTask:
    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def advance(self, amount: int = 1) -> None:
        self._progress.advance(self._task, amount)

    def update(self, *, completed: int | None = None, total: int | None = None) -> None:
        self._progress.update(self._task, completed=completed, total=total)


class RichProgress:
    """Progress bars on stderr; byte-sized tasks show MB and MB/s."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress

    def task(self, description: str, total: int | None = None) -> _RichTask:
        return _RichTask(self._progress, self._progress.add_task(description, total=total))


@contextmanager
def progress_bars() -> Iterator[RichProgress]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as progress:
        yield RichProgress(progress)


@contextmanager
def case_at(path: Path) -> Iterator[Case]:
    case = open_case(path)
    try:
        yield case
    finally:
        case.close()


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a RescueError as one line plus its hint, and exit 2; --debug shows the trace."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except RescueError as exc:
            if os.environ.get("RESCUE_DEBUG"):
                raise
            err_console.print(f"[bold red]error:[/] {exc.message}")
            if exc.hint:
                err_console.print(f"[dim]what to do:[/] {exc.hint}")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print(
                "[yellow]interrupted[/]: nothing half-done was kept; run again to resume"
            )
            raise typer.Exit(130) from None

    return wrapper
