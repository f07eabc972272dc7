"""The ``medkg`` command line. Every command has ``--help`` with an example."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows.settings import Settings, load_settings
from flows.console import console, fail
from kg.errors import MedkgError
from kg.store import GraphStore, LoadSummary, batched
from kg.types import Document
from readers import FORMATS, ReadReport, read_documents
from readers.stats import corpus_stats

app = typer.Typer(
    name="medkg",
    help="Biomedical literature to a knowledge graph. Try: medkg run",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
corpus_app = typer.Typer(help="Look at annotated corpora and literature files.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")

from flows.models_cli import evaluate_app, extract_cmd, train_app  # noqa: E402

app.add_typer(train_app, name="train")
app.add_typer(evaluate_app, name="evaluate")
app.command("extract")(extract_cmd)

from flows.normalize_cli import evaluate_normalize_cmd, normalize_cmd  # noqa: E402

app.command("normalize")(normalize_cmd)
evaluate_app.command("normalize")(evaluate_normalize_cmd)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML settings file (hosts and secrets stay in MEDKG_* env).")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help=f"auto, {', '.join(FORMATS)}")]


def _settings(config: Path | None) -> Settings:
    return load_settings(config)



@corpus_app.command("stats")
def corpus_stats_cmd(
    path: Annotated[Path, typer.Argument(help="A PubTator, BioC (XML/JSON), PubMed XML, JATS or JSONL file; .gz is fine.")],
    fmt: FormatOpt = "auto",
    strict: Annotated[bool, typer.Option("--strict", help="Fail on the first malformed record.")] = False,
) -> None:
    """Print JSON counts for a corpus file: documents, PMIDs, mentions and relations by type.

    Example: [bold]medkg corpus stats ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt[/]
    """
    try:
        stats = corpus_stats(path, fmt, on_error="raise" if strict else "skip")
    except MedkgError as exc:
        fail(exc)
    typer.echo(json.dumps(stats, indent=2))


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("docs"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _load_file(
    store: GraphStore, path: Path, fmt: str, report: ReadReport, batch: int, progress: Progress
) -> tuple[LoadSummary, int]:
    """Load one file's documents (with their gold annotations) in batches; deletions are counted."""
    total = LoadSummary()
    deletions = 0
    task = progress.add_task(path.name, total=None)

    def live(docs: Iterator[Document]) -> Iterator[Document]:
        nonlocal deletions
        for d in docs:
            if d.deleted:
                deletions += 1
                continue
            yield d

    for chunk in batched(live(read_documents(path, fmt, on_error="skip", report=report)), batch):
        s = store.load_documents(chunk)
        total.articles += s.articles
        total.entities += s.entities
        total.mentions += s.mentions
        total.triples += s.triples
        progress.advance(task, len(chunk))
    progress.update(task, total=progress.tasks[task].completed)
    return total, deletions


@app.command("load")
def load_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files to load (any reader format).")],
    fmt: FormatOpt = "auto",
    config: ConfigOpt = None,
) -> None:
    """Load documents and their gold annotations (mentions, relations) into the graph store.

    Example: [bold]medkg load ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt[/]
    """
    try:
        settings = _settings(config)
        report = ReadReport()
        with settings.open_store() as store, _progress() as progress:
            for path in paths:
                _load_file(store, path, fmt, report, 200, progress)
            counts = store.counts()
    except MedkgError as exc:
        fail(exc)
    _print_counts(counts, report)


def _print_counts(counts: dict[str, dict[str, int]], report: ReadReport) -> None:
    table = Table(title="graph")
    table.add_column("kind")
    table.add_column("name")
    table.add_column("count", justify="right")
    for kind in ("nodes", "categories", "edges"):
        for name, n in sorted(counts.get(kind, {}).items()):
            table.add_row(kind, name, f"{n:,}")
    console.print(table)
    if report.skipped:
        console.print(f"[yellow]{len(report.skipped)} records skipped[/]; first ones:")
        for s in report.skipped[:5]:
            console.print(f"  {s.source}:{s.record}: {s.reason}")


@app.command("run")
def run_cmd(
    config: ConfigOpt = None,
    data_dir: Annotated[Path | None, typer.Option(help="The shared data folder (default: ../shared/data).")] = None,
) -> None:
    """The main job: literature and annotated corpora into the graph, then a summary.

    Today it loads the shared MEDLINE sample and PubMed samples (articles; deletions applied) and
    the BC5CDR gold annotations (chemicals, diseases, CID relations with PMIDs) into the store
    (embedded by default; Neo4j when MEDKG_NEO4J_URI is set). Running it twice changes no count.

    Example: [bold]medkg run[/]
    """
    t0 = time.perf_counter()
    try:
        settings = _settings(config)
        data = data_dir or settings.data_dir
        if not data.is_dir():
            raise MedkgError(f"{data}: no shared data folder; pass --data-dir or set MEDKG_DATA_DIR")
        sources = [
            data / "pubmed" / "medline16n0902.xml.gz",
            data / "pubmed" / "test_current_medline.xml.gz",
            *sorted((data / "pubmed" / "efetch").glob("*.xml")),
            data / "corpora" / "bc5cdr" / "CDR_TrainingSet.PubTator.txt",
            data / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt",
        ]
        report = ReadReport()
        deletions = 0
        with settings.open_store() as store:
            console.print(f"store: [bold]{type(store).__name__}[/] ({settings.neo4j_uri or settings.graph_path})")
            with _progress() as progress:
                for path in sources:
                    _, d = _load_file(store, path, "auto", report, 200, progress)
                    deletions += d
            counts = store.counts()
            top = store.query(
                "MATCH (c:Entity)-[r:CAUSES]->(d:Entity) "
                "RETURN c.name AS chemical, d.name AS disease, r.evidence_count AS evidence, r.pmids AS pmids "
                "ORDER BY evidence DESC, chemical LIMIT 10"
            )
    except MedkgError as exc:
        fail(exc)
    _print_counts(counts, report)
    table = Table(title="best-supported chemical -> disease relations")
    for col in ("chemical", "disease", "evidence", "PMIDs"):
        table.add_column(col)
    for row in top:
        pmids = row["pmids"] or []
        table.add_row(row["chemical"], row["disease"], str(row["evidence"]), ", ".join(pmids[:4]) + (" ..." if len(pmids) > 4 else ""))
    console.print(table)
    console.print(f"deletions seen: {deletions}; done in {time.perf_counter() - t0:.1f}s")


@app.command("query")
def query_cmd(
    cypher: Annotated[str, typer.Argument(help="A read-only Cypher query.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v parameters (v parsed as JSON when it can be).")] = None,
    output: Annotated[str, typer.Option("--output", "-o", help="table, json or csv")] = "table",
    config: ConfigOpt = None,
) -> None:
    """Run a read-only Cypher query on the graph store.

    Example: [bold]medkg query "MATCH (c:Entity)-[r:CAUSES]->(d:Entity {name: $d}) RETURN c.name, r.evidence_count" -p d=Hypotension[/]
    """
    params: dict[str, Any] = {}
    for item in param or []:
        if "=" not in item:
            fail(MedkgError(f"--param {item!r}: write it as name=value"))
        k, v = item.split("=", 1)
        try:
            params[k] = json.loads(v)
        except json.JSONDecodeError:
            params[k] = v
    try:
        with _settings(config).open_store() as store:
            rows = store.query(cypher, params)
    except MedkgError as exc:
        fail(exc)
    if output == "json":
        typer.echo(json.dumps(rows, indent=2, default=str))
    elif output == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = Table()
        for col in rows[0] if rows else []:
            table.add_column(col)
        for row in rows:
            table.add_row(*(str(v) for v in row.values()))
        Console().print(table)
        console.print(f"{len(rows)} rows")


if __name__ == "__main__":
    app()
