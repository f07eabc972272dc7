"""Where medkg's commands and builders talk to the person running them: one rich console on
stderr (standard output stays for data), one progress bar, and one status line for a step."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)

# Where stderr is no terminal (a log file, a scheduler, a pipe), a status update is written as a
# line at most this often.
LINE_EVERY_SECONDS = 30.0


def progress_bar(unit: str = "") -> Progress:
    """A bar that counts done out of total (``unit``: what it counts, e.g. "docs"). Where stderr
    is no terminal, a rich bar shows only its end: there it writes a line per task every
    ``LINE_EVERY_SECONDS`` too."""
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn()]
    if unit:
        columns.append(TextColumn(unit))
    bar = Progress if console.is_terminal else _LineProgress
    return bar(*columns, TimeElapsedColumn(), console=console, transient=False)


class _LineProgress(Progress):
    """``Progress`` for a console that is no terminal: each task's count as a line, at most one
    per task every ``LINE_EVERY_SECONDS``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lines: dict[Any, float] = {}

    def advance(self, task_id: Any, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._line(task_id)

    def update(self, task_id: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().update(task_id, **kwargs)
        self._line(task_id)

    def _line(self, task_id: Any) -> None:
        now = time.monotonic()
        last = self._lines.setdefault(task_id, now)
        if now - last < LINE_EVERY_SECONDS:
            return
        self._lines[task_id] = now
        task = self._tasks[task_id]
        total = f" of {task.total:,.0f}" if task.total is not None else ""
        self.console.print(f"{task.description}: {task.completed:,.0f}{total}", highlight=False, markup=False)


class _Lines:
    """``status`` where stderr is no terminal: its updates as lines, one per ``LINE_EVERY_SECONDS``."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def update(self, message: str) -> None:
        if time.monotonic() - self.last >= LINE_EVERY_SECONDS:
            self.last = time.monotonic()
            console.print(message, highlight=False, soft_wrap=True)


@contextmanager
def status(message: str) -> Iterator[Any]:
    """A step that takes a while: a spinner with ``message`` on a terminal. Elsewhere a spinner
    shows nothing, so the message is a line when the step starts, updates (``.update(text)``) a
    line every ``LINE_EVERY_SECONDS``, and a step of more than a few seconds ends with its time."""
    if console.is_terminal:
        with console.status(message) as spinner:
            yield spinner
        return
    started = time.monotonic()
    console.print(f"{message} ...", highlight=False, soft_wrap=True)
    yield _Lines()
    seconds = time.monotonic() - started
    if seconds >= 5:
        console.print(f"... done in {seconds:.0f} s", highlight=False)
