"""The CLI's stderr console and its one way of failing."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from kg.errors import MedkgError

console = Console(stderr=True)


def fail(exc: MedkgError) -> None:
    """Print a medkg error in one unwrapped line and exit with status 2."""
    console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True, highlight=False)
    raise typer.Exit(code=2)
