"""The CLI's stderr console, its one way of failing, and its one way of printing data."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kg.errors import MedkgError
from wiring.progress import console, progress_bar, status

__all__ = ["check_format", "console", "fail", "failing", "progress_bar", "status", "write_document", "write_rows"]


def fail(exc: MedkgError) -> NoReturn:
    """Print a medkg error in one unwrapped line and exit with status 2."""
    console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True, highlight=False)
    raise typer.Exit(code=2)


# One output convention for every command that prints data: --format and --out.
FORMATS = ("table", "json", "jsonl", "csv", "tsv")
DataFormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        "--output",
        "-o",
        help="table, json, jsonl, csv or tsv (-o/--output: the same option, its old name).",
    ),
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Write the data to this file instead of standard output.")]


def check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> str:
    """``fmt`` lower-cased, or a one-line error naming the formats this command writes."""
    if fmt.lower() not in allowed:
        fail(MedkgError(f"--format {fmt!r}: choose {', '.join(allowed[:-1])} or {allowed[-1]}"))
    return fmt.lower()


def write_rows(
    rows: list[dict[str, Any]], fmt: str, out: Path | None = None, *, columns: list[str] | None = None
) -> None:
    """Rows of data (a query's, candidates...) as a table (rich markup escaped: benzo[a]pyrene
    stays), JSON, JSON Lines, CSV or TSV (lists joined with ``|``), to ``out`` or stdout."""
    from kg.export import (  # here: kg.export imports networkx, which every command would pay for
        cell,
        write_delimited,
    )

    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    if fmt == "table":
        table = Table()
        for col in columns:
            table.add_column(escape(col))
        for row in rows:
            table.add_row(*(escape(cell(row.get(c))) for c in columns))
        if out is None:
            Console().print(table)
        else:
            with out.open("w", encoding="utf-8") as f:
                Console(file=f, width=200).print(table)
        return
    with _target(out) as f:
        if fmt == "json":
            f.write(json.dumps(rows, indent=2, default=str, ensure_ascii=False) + "\n")
        elif fmt == "jsonl":
            for row in rows:
                f.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")
        else:
            write_delimited(f, rows, columns, "\t" if fmt == "tsv" else ",")


def write_document(data: Any, fmt: str, out: Path | None = None) -> None:
    """One nested JSON document (a report, a diagnosis): indented JSON, or one line for jsonl."""
    with _target(out) as f:
        f.write(
            (
                json.dumps(data, indent=2, default=str, ensure_ascii=False)
                if fmt == "json"
                else json.dumps(data, default=str, ensure_ascii=False)
            )
            + "\n"
        )


@contextmanager
def _target(out: Path | None) -> Iterator[TextIO]:
    if out is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with out.open("w", encoding="utf-8", newline="") as f:
        yield f


def warn(msg: str, *args: Any) -> None:
    """A warning in one yellow line (``msg % args``, as ``logging`` formats it)."""
    console.print(f"[yellow]{escape(msg % args)}[/]", soft_wrap=True)


@contextmanager
def failing() -> Iterator[None]:
    """Around a command's work (``with failing():``, or ``@failing()`` on a whole command): a medkg
    error ends the command in one line with exit status 2 (``fail``); anything else goes on to the
    entry point's last line of defence."""
    try:
        yield
    except MedkgError as exc:
        fail(exc)
