"""``medkg normalize`` and ``medkg evaluate normalize``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from cli.console import DataFormatOpt, OutOpt, check_format, console, failing, write_rows
from ontologies.normalizer import DENSE_WEIGHT
from readers import ReadReport, read_documents
from wiring.settings import load_settings

DENSE_HELP = (
    "Share of the name-embedding cosine in the score of mentions no name matches exactly (the rest: "
    "3-gram TF-IDF); 0 for TF-IDF only. MEDKG_NORMALIZER_ENCODER='' builds an index without embeddings."
)
QUERY_HELP = (
    "What embeds mentions: static (the query encoder distilled from the name encoder when the index was built; "
    "1.5-2x the mentions/s) or full (the name encoder itself). Default: MEDKG_NORMALIZER_QUERY_ENCODER, else static."
)
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML settings file.")]


def _normalizer(config: Path | None, threshold: float, top_k: int, dense_weight: float, query_encoder: str | None):  # type: ignore[no-untyped-def]
    from ontologies.normalizer import Normalizer

    settings = load_settings(config)
    t0 = time.perf_counter()
    built = settings.term_index_path(fetch=False).is_file()
    console.print(
        "loading the term index" if built else "building the term index (once: its names are embedded, a few minutes)"
    )
    index = settings.term_index(progress=True)
    dense = f", {index.dense_encoder} embeddings of {', '.join(sorted(index.dense))} names" if index.dense else ""
    console.print(f"term index: {len(index):,} concepts{dense} in {time.perf_counter() - t0:.1f}s")
    return Normalizer(
        index,
        threshold=threshold,
        top_k=top_k,
        dense_weight=dense_weight,
        query_encoder=query_encoder or settings.normalizer_query_encoder,
    )


def normalize_cmd(
    text: Annotated[str, typer.Argument(help="The mention text.")],
    type_: Annotated[
        str, typer.Option("--type", "-t", help="Disease, Chemical, Phenotype (or a corpus label).")
    ] = "Disease",
    top_k: Annotated[int, typer.Option(help="How many candidates to show.")] = 5,
    threshold: Annotated[float, typer.Option(help="Score below which a candidate is dropped (NIL).")] = 0.55,
    dense_weight: Annotated[float, typer.Option(help=DENSE_HELP)] = DENSE_WEIGHT,
    query_encoder: Annotated[str | None, typer.Option(help=QUERY_HELP)] = None,
    context: Annotated[str | None, typer.Option(help="Document text, for abbreviations it defines.")] = None,
    fmt: DataFormatOpt = "table",
    out: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Ground a mention to ontology concepts: CURIEs, names and scores, best first.

    Example: [bold]medkg normalize "breast and ovarian cancers" --type Disease[/]
    """
    from extractors.abbreviations import find_abbreviations

    fmt = check_format(fmt)
    with failing():
        normalizer = _normalizer(config, threshold, top_k, dense_weight, query_encoder)
        groundings = normalizer.normalize(text, type_, find_abbreviations(context) if context else None)
    if not groundings:
        console.print("NIL: no concept above the threshold")
    rows = [
        {
            "curie": g.curie,
            "name": g.name,
            "score": round(g.score, 4) if fmt == "table" else g.score,
            "xrefs": list(normalizer.index.xrefs[normalizer.index.by_curie[g.curie]][: 4 if fmt == "table" else None]),
        }
        for g in groundings
    ]
    if fmt != "table" or rows:
        write_rows(rows, fmt, out, columns=["curie", "name", "score", "xrefs"])


def evaluate_normalize_cmd(
    data: Annotated[Path, typer.Option(help="Annotated corpus (PubTator or BioC) with gold ids.")],
    type_: Annotated[
        str | None, typer.Option("--type", "-t", help="Only mentions of this type (Disease, Chemical...).")
    ] = None,
    threshold: Annotated[float, typer.Option(help="Score below which a candidate is dropped (NIL).")] = 0.55,
    dense_weight: Annotated[float, typer.Option(help=DENSE_HELP)] = DENSE_WEIGHT,
    query_encoder: Annotated[str | None, typer.Option(help=QUERY_HELP)] = None,
    config: ConfigOpt = None,
) -> None:
    """Accuracy@1 and @5 of the normalizer on gold mentions, the ceiling, and mentions/s, as JSON.

    Example: [bold]medkg evaluate normalize --data ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt --type Disease[/]
    """  # noqa: E501 (examples run as printed, one line each)
    from ontologies.normalizer import evaluate

    with failing():
        normalizer = _normalizer(config, threshold, 5, dense_weight, query_encoder)
        report = ReadReport()
        docs = list(read_documents(data, on_error="skip", report=report))
        result = evaluate(normalizer, docs, label_filter=type_)
    result["data"] = str(data)
    result["type"] = type_ or "all"
    result["skipped_records"] = len(report.skipped)
    typer.echo(json.dumps(result, indent=2))
