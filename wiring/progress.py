"""Where medkg's commands and builders talk to the person running them: one rich console on
stderr (standard output stays for data), and one progress bar."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


def progress_bar(unit: str = "") -> Progress:
    """A bar that counts done out of total (``unit``: what it counts, e.g. "docs")."""
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn()]
    if unit:
        columns.append(TextColumn(unit))
    return Progress(*columns, TimeElapsedColumn(), console=console, transient=False)
