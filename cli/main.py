"""The ``medkg`` command line. Every command has ``--help`` with an example."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from cli.console import (
    DataFormatOpt,
    OutOpt,
    check_format,
    console,
    fail,
    failing,
    progress_bar,
    status,
    warn,
    write_document,
    write_rows,
)
from diagnosis.configs import PhenotypeEncoderConfig
from extractors.configs import DocRelationConfig, NerConfig
from kg.errors import ConfigError, InputError, MedkgError
from kg.queries import EXAMPLE_QUERIES, TOP_CAUSES
from kg.store import GraphStore, batched, in_file_order
from readers import FORMATS, ReadReport, read_documents
from readers.stats import corpus_stats
from wiring.settings import Settings, load_settings

app = typer.Typer(
    name="medkg",
    help="Biomedical literature to a knowledge graph. Try: medkg run",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
corpus_app = typer.Typer(help="Look at annotated corpora and literature files.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")

from cli.models import evaluate_app, extract_cmd, models_app, train_app

app.add_typer(train_app, name="train")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(models_app, name="models")
app.command("extract")(extract_cmd)

from cli.normalize import evaluate_normalize_cmd, normalize_cmd

app.command("normalize")(normalize_cmd)
evaluate_app.command("normalize")(evaluate_normalize_cmd)

from cli.diagnosis import (
    diagnose_cmd,
    evaluate_diagnosis_cmd,
    load_hpo_cmd,
    train_diagnosis_cmd,
    train_phenotype_encoder_cmd,
)

app.command("load-hpo")(load_hpo_cmd)
train_app.command("diagnosis")(train_diagnosis_cmd)
train_app.command("phenotype-encoder")(train_phenotype_encoder_cmd)
evaluate_app.command("diagnosis")(evaluate_diagnosis_cmd)
app.command("diagnose")(diagnose_cmd)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML settings file (hosts and secrets stay in MEDKG_* env).")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help=f"auto, {', '.join(FORMATS)}")]


def _settings(config: Path | None) -> Settings:
    return load_settings(config)


@corpus_app.command("stats")
def corpus_stats_cmd(
    path: Annotated[
        Path, typer.Argument(help="A PubTator, BioC (XML/JSON), PubMed XML, JATS or JSONL file; .gz is fine.")
    ],
    fmt: FormatOpt = "auto",
    strict: Annotated[bool, typer.Option("--strict", help="Fail on the first malformed record.")] = False,
) -> None:
    """Print JSON counts for a corpus file: documents, PMIDs, mentions and relations by type.

    Example: [bold]medkg corpus stats ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt[/]
    """
    with failing():
        stats = corpus_stats(path, fmt, on_error="raise" if strict else "skip")
    typer.echo(json.dumps(stats, indent=2))


def _load_file(
    store: GraphStore, path: Path, fmt: str, report: ReadReport, batch: int, progress: Progress, *, strict: bool = False
) -> tuple[int, int]:
    """Load one file's documents (with their gold annotations) in batches, its records applied in
    order (a ``DeleteCitation`` removes the article, also one the same file added before it);
    returns how many deletions applied and how many stored articles they removed."""
    task = progress.add_task(path.name, total=None)
    deletions = deleted = records = 0
    for chunk in batched(read_documents(path, fmt, on_error="raise" if strict else "skip", report=report), batch):
        records += len(chunk)
        live, gone = in_file_order(chunk)
        deletions += len(gone)
        deleted += store.delete_articles(gone) if gone else 0
        store.load_documents(live)
        progress.advance(task, len(chunk))
    progress.update(task, total=progress.tasks[task].completed)
    if not records:
        if strict:
            raise InputError(f"{path}: no document in this file", source=str(path))
        console.print(f"[yellow]{path}: no document in this file[/]")
    return deletions, deleted


@app.command("load")
def load_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files to load (any reader format).")],
    fmt: FormatOpt = "auto",
    strict: Annotated[bool, typer.Option(help="Fail on the first malformed record instead of skipping it.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Load documents and their gold annotations (mentions, relations) into the graph store;
    PubMed ``DeleteCitation`` records remove their articles.

    Example: [bold]medkg load ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt[/]
    """
    with failing():
        settings = _settings(config)
        report = ReadReport()
        deletions = deleted = 0
        with settings.open_store() as store, progress_bar("docs") as progress:
            for path in paths:
                applied, removed = _load_file(store, path, fmt, report, 200, progress, strict=strict)
                deletions, deleted = deletions + applied, deleted + removed
            counts = store.counts()
    _print_counts(counts, report)
    if deletions:
        console.print(
            f"{deletions} DeleteCitation records applied: {deleted} stored articles deleted "
            "(a citation deleted later in the same file is never stored)"
        )


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


# What the default models reached on their dev sets when these defaults were set (BENCHMARKS.md,
# "first run", "BioRED" and, for BC5CDR's, trained on three of every four dev abstracts and scored
# on the fourth, "Session 25"): the end of `medkg run` prints a fresh model's scores next to them.
REFERENCE_DEV = {"ner-bc5cdr": 87.60, "re-bc5cdr": 59.14, "ner-biored": 78.18, "re-biored": 49.82}
REFERENCE_ENCODER = 56.47  # session 53's phenotype encoder (random batches), dev accuracy@1


def _ensure_models(
    settings: Settings, config: Path | None, ner_minutes: float, re_minutes: float
) -> tuple[list[Path], list[Path], list[str]]:
    """The models of every model set (BC5CDR's, then BioRED's: ``Settings.model_sets``), fine-tuned
    into the registry first when missing, or trained on when a time cap or a kill cut their
    training short, by the training flow the ``train-<set>`` deployments run; and the names of
    the models this call put into the registry. Training runs by epochs, so the models are the
    same on a slow machine as on a fast one; the caps only guard against a machine far slower
    than expected."""
    from extractors.registry import model_state
    from flows.train import outdated, train_models

    ners, rels, promoted = [], [], []
    for model_set in settings.model_sets():
        ner_dir, re_dir = settings.set_dirs(model_set.name)
        ners.append(ner_dir)
        rels.append(re_dir)
        states = model_state(ner_dir), model_state(re_dir)
        registry = (settings.models_dir / f"ner-{model_set.name}", settings.models_dir / f"re-{model_set.name}")
        upgrade = (
            (ner_dir, re_dir) == registry
            and outdated(re_dir, model_set.re_architecture)
            and (settings.data_dir / model_set.train).is_file()  # installed models without the corpora: kept
        )
        if states == ("done", "done") and not upgrade:
            continue
        if (ner_dir, re_dir) != registry:  # a MEDKG_*_MODEL setting names a folder of the user's own
            missing = next(f for f, state in zip((ner_dir, re_dir), states, strict=True) if state != "done")
            raise ConfigError(
                f"{missing}: no trained model there (a MEDKG_*_MODEL setting names it); train one there with "
                f"`medkg train`, or unset the setting to let `medkg run` train the models into {settings.models_dir}"
            )
        todo = "the relation model" if states[0] == "done" else "the NER model, then the relation model from it,"
        partners = [
            settings.model_set(name).corpus
            for name in model_set.ner_with
            if name in {m.name for m in settings.model_sets()}
            and model_state(settings.models_dir / f"ner-{name}") != "done"
        ]
        if states[0] != "done" and partners:
            todo = f"the NER model together with {' and '.join(partners)}'s (one encoder), then the relation model,"
        doing = "going on with" if "resumable" in states else "fine-tuning (once)"
        pace = "the time per epoch on this machine follows after a few batches"
        if upgrade and states == ("done", "done"):
            todo = f"a {model_set.re_architecture} relation model beside the installed one (kept if worse on dev)"
            if model_set.re_architecture == "lexical":  # no epochs: a logistic regression
                doing, pace = "fitting", "1-2 minutes"
        console.print(
            f"[bold]{model_set.name} models[/]: {doing} {todo} on {model_set.corpus} ({model_set.what}) through the "
            f"training flow; {pace}"
        )
        result = train_models(
            train=str(settings.data_dir / model_set.train),
            dev=str(settings.data_dir / model_set.dev),
            out_dir=str(settings.models_dir),
            ner_minutes=ner_minutes,
            re_minutes=re_minutes,
            model_set=model_set.name,
            missing_only=True,
            progress=True,
            config=str(config) if config else None,
        )
        for note in result["notes"]:
            console.print(f"[yellow]{note}[/]", soft_wrap=True)
        promoted += [name for name, done in result["promoted"].items() if done]
    return ners, rels, promoted


def _reextract_hint(promoted: list[str], unchanged: int, new_index: bool = False) -> str | None:
    """What to do when this run put new models into the registry, or built the term index anew (an
    upgrade that changes its format, new vocabulary files), but left articles stored before as the
    older ones read them (a run without --reextract skips unchanged citations)."""
    if not unchanged or not (promoted or new_index):
        return None
    news = []
    if promoted:
        news.append(f"new models this run ({', '.join(promoted)})")
    if new_index:
        news.append("a new term index this run (a newer medkg or new vocabulary files)")
    return (
        f"{'; '.join(news)}; the {unchanged} articles stored before keep what was extracted from them "
        "before: `medkg run --reextract` reads them again"
    )


def _model_lines(ners: list[Path], rels: list[Path]) -> list[str]:
    """The models that served, with their dev scores next to the reference ones."""
    from extractors.models import card_version, read_card, relation_measure

    lines = []
    for kind, folders in (("NER", ners), ("relations", rels)):
        for folder in folders:
            card = read_card(folder)
            version = card_version(card)
            what = (
                "strict F1 (tidied spans, gazetteer, abbreviations)"
                if kind == "NER"
                else f"{relation_measure(card)} F1 with gold entities"
            )
            on = f" on the held-out dev documents ({card['dev_split']})" if card.get("dev_split") else ""
            trained = (
                f"epoch {version['best_epoch']}" if version["best_epoch"] is not None else card.get("architecture")
            )
            lines.append(
                f"{kind} {folder} ({trained}): dev {what} {version['dev_f1']}{on} "
                f"(reference {REFERENCE_DEV.get(folder.name, 'none')})"
            )
    return lines


def _table(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    for col in rows[0] if rows else ["(no rows)"]:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(
            *(
                escape(", ".join(map(str, v[:4])) + (" ..." if len(v) > 4 else "") if isinstance(v, list) else str(v))
                for v in row.values()
            )
        )
    return table


@app.command("run")
def run_cmd(
    config: ConfigOpt = None,
    data_dir: Annotated[Path | None, typer.Option(help="The shared data folder (default: ../shared/data).")] = None,
    ner_minutes: Annotated[
        float,
        typer.Option(
            help="Safety cap on the NER model's training when none is cached (it trains by epochs; a cut run says so "
            "and the next `medkg run` goes on)."
        ),
    ] = NerConfig().max_minutes,
    re_minutes: Annotated[
        float, typer.Option(help="Safety cap on the relation model's training, likewise.")
    ] = DocRelationConfig().max_minutes,
    reextract: Annotated[
        bool,
        typer.Option(help="Extract the citations already stored again with the cached models (after a model upgrade)."),
    ] = False,
    phenotype_encoder: Annotated[
        bool,
        typer.Option(
            help="Fine-tune the lay-phrase phenotype encoder when none is installed, after the graph is built (about "
            "2 minutes with native bf16; --no-phenotype-encoder: diagnosis reads patients' words with the offline "
            "encoder)."
        ),
    ] = True,
) -> None:
    """The main job: fine-tune the models if none are cached, build or load the ontology index,
    ingest the shared PubMed samples through the Prefect flow, load HPO's disease -> phenotype
    annotations (once), fine-tune the phenotype encoder diagnosis reads lay phrases with (once),
    and print a summary.

    The store is the embedded one unless MEDKG_NEO4J_URI is set. A second run reuses models,
    index and store, skips unchanged citations and changes no count (--reextract: extracts them
    again, replacing their evidence, after the models changed).

    Example: [bold]medkg run[/]
    """
    from flows.ingest import ingest
    from flows.runtime import ensure_server
    from wiring.diagnosis import ensure_hpo

    t0 = time.perf_counter()
    with failing():
        settings = _settings(config)
        data = data_dir or settings.data_dir
        if not data.is_dir():
            raise MedkgError(f"{data}: no shared data folder; pass --data-dir or set MEDKG_DATA_DIR")
        settings = settings.model_copy(update={"data_dir": data})
        with status("starting Prefect's temporary API server"):
            ensure_server()  # first: a machine where it cannot start says so before an hour of training
        ners, rels, promoted = _ensure_models(settings, config, ner_minutes, re_minutes)
        # fetch=False: term_index fetches what is missing (and warns once when it cannot); a vocabulary
        # fetched only now makes the index new anyway.
        new_index = not settings.term_index_path(fetch=False).is_file()
        console.print(
            "building the ontology index (once: its names are embedded, a few minutes)"
            if new_index
            else "loading the ontology index"
        )
        settings.term_index(progress=True)
        sources = settings.layout.literature()
        console.print(f"ingesting {len(sources)} files into {settings.neo4j_uri or settings.graph_path}")
        result = ingest(
            [str(p) for p in sources],
            [str(p) for p in ners],
            [str(p) for p in rels],
            settings=settings,
            reextract=reextract,
            progress=True,
        )
        with settings.open_store() as store:
            ensure_hpo(store, settings)
            counts = store.counts()
            top = store.query(TOP_CAUSES)
            examples = {title: store.query(q) for title, q in EXAMPLE_QUERIES.items()}
        encoder = _ensure_phenotype_encoder(settings) if phenotype_encoder else None
    _print_counts(counts, ReadReport())
    console.print(_table("the ten best-supported chemical -> disease relations", top))
    for title, rows in examples.items():
        console.print(_table(title, rows))
    console.print(
        f"read {result['documents_read']} articles ({result['unchanged']} unchanged, {result['updated']} updated, "
        f"{result['deleted']} deleted, {result['skipped']} skipped); {result['triples_loaded']} triples loaded; "
        f"done in {time.perf_counter() - t0:.1f}s"
    )
    hint = None if reextract else _reextract_hint(promoted, int(result["unchanged"]), new_index)
    if hint:
        console.print(f"[yellow]{hint}[/]", soft_wrap=True)
    for line in _model_lines(ners, rels):
        console.print(line, soft_wrap=True)
    if encoder is not None:
        console.print(_encoder_line(encoder), soft_wrap=True)
    console.print(_next_steps(settings), soft_wrap=True)


def _ensure_phenotype_encoder(settings: Settings, config: PhenotypeEncoderConfig | None = None) -> Path | None:
    """The phenotype encoder (``medkg train phenotype-encoder``) fine-tuned into the registry when
    none is there, or trained on when its time cap or a kill cut it short (not at all with
    ``MEDKG_DIAGNOSIS_DENSE=false``); its folder when this call finished it, else None. It finds
    more of a patient's own words than the offline encoder (BENCHMARKS.md, session 53), so a first
    run serves diagnosis with it."""
    from extractors.registry import model_state
    from extractors.training import cap_note
    from wiring.diagnosis import phenotype_encoder_dir, train_phenotype_encoder_into

    folder = phenotype_encoder_dir(settings)
    state = model_state(folder)
    if state == "done" or not settings.diagnosis_dense:  # the dense matcher is what reads with it
        return None
    doing = "going on with" if state == "resumable" else "fine-tuning (once)"
    console.print(
        f"[bold]phenotype encoder[/]: {doing} the encoder diagnosis reads lay phrases with, on HPO's names and "
        "synonyms; the time per epoch on this machine follows after a few batches"
    )
    cfg = (config or PhenotypeEncoderConfig()).model_copy(update={"resume": state == "resumable"})
    card = train_phenotype_encoder_into(settings, folder, cfg)
    note = cap_note(card, "the next `medkg run`")
    if note:
        console.print(f"[yellow]phenotype encoder: {note}[/]", soft_wrap=True)
    return folder if model_state(folder) == "done" else None


def _encoder_line(folder: Path) -> str:
    from extractors.models import read_card

    card = read_card(folder)
    return (
        f"phenotype encoder {folder} (epoch {card['metrics']['best_epoch']}): dev accuracy@1 "
        f"{card['metrics']['dev']['acc@1']} on the synonyms of held-out HPO terms (reference {REFERENCE_ENCODER})"
    )


def _next_steps(settings: Settings) -> str:
    """What to run after the first run: the phenotype encoder first while it is not installed (it
    finds more of a patient's own words: BENCHMARKS.md, session 53), then the diagnosis model."""
    from wiring.diagnosis import phenotype_encoder_dir

    encoder = (
        ""
        if (phenotype_encoder_dir(settings) / "medkg.json").is_file()
        else "[bold]medkg train phenotype-encoder[/] (lay phrases; about 2 minutes with native bf16), "
    )
    then = '[bold]medkg diagnose "a case in words"[/] or [bold]medkg serve[/]'
    return f"next: {encoder}[bold]medkg train diagnosis[/], then {then}"


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Literature files (PubMed XML, JATS, JSONL, PubTator, BioC).")],
    ner_model: Annotated[
        list[Path] | None,
        typer.Option(
            help="NER model folder; repeat for several (each entity type from the first that tags it). Default: the "
            "installed ner-bc5cdr, then ner-biored."
        ),
    ] = None,
    re_model: Annotated[
        list[Path] | None,
        typer.Option(help="Relation model folder; repeat for several. Default: the installed re-bc5cdr and re-biored."),
    ] = None,
    relations: Annotated[bool, typer.Option(help="Extract relations (--no-relations: entities only).")] = True,
    batch_size: Annotated[
        int,
        typer.Option(
            min=1, help="Documents per Prefect task (larger: less padding, faster; a killed run redoes at most one)."
        ),
    ] = 256,
    strict: Annotated[bool, typer.Option(help="Fail on the first malformed record instead of skipping it.")] = False,
    task_runner: Annotated[str, typer.Option(help="thread, or dask for several processes or machines.")] = "thread",
    dask_address: Annotated[
        str | None, typer.Option(help="A running Dask scheduler (tcp://host:8786); default: a local cluster.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Workers of the local Dask cluster.")] = 2,
    reextract: Annotated[
        bool,
        typer.Option(
            help="Extract articles already stored with the same text again, replacing their evidence (after a model "
            "upgrade)."
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Run the ingestion flow: read, find entities, normalize, extract relations, load the graph.

    Examples:
      [bold]medkg ingest ../shared/data/pubmed/medline16n0902.xml.gz[/] (the installed models: BC5CDR's, then BioRED's)
      [bold]medkg ingest abstracts.xml --ner-model ~/.cache/medkg/models/ner-bc5cdr --re-model ~/.cache/medkg/models/re-bc5cdr[/]
    """  # noqa: E501 (examples run as printed, one line each)
    from flows.ingest import resolve_models, with_task_runner
    from flows.runtime import ensure_server

    with failing():
        flow_ = with_task_runner(task_runner, dask_address, workers)
        settings = _settings(config)
        ners, rels = resolve_models(
            settings,
            [str(p) for p in ner_model or []],
            [str(p) for p in re_model or []],
            relations=relations,
            warn=warn,
        )
        ensure_server()
        # with Dask, keep one extraction batch in flight per worker (threads: one, torch uses every core)
        result = flow_(
            [str(p) for p in paths],
            ners,
            rels,
            batch_size,
            strict,
            settings,
            in_flight=workers if task_runner == "dask" else 1,
            reextract=reextract,
            progress=True,
        )
    typer.echo(json.dumps(result, indent=2))


@app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Argument(help="Output file (a folder for csv and neo4j-import).")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="ttl, nt, kgx, kgx-jsonl, graphml, csv or neo4j-import (default: from OUT's suffix: .ttl, .nt, .tsv "
            "(kgx), .jsonl (kgx-jsonl), .graphml; a folder: csv)",
        ),
    ] = None,
    import_dir: Annotated[
        str | None,
        typer.Option(
            help="neo4j-import: the folder neo4j-admin will read the files from "
            "(e.g. where they are mounted in a container); default: OUT."
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Export the graph: RDF with Biolink predicates, resolvable IRIs and provenance (ttl, nt: each
    literature edge also as a biolink:Association with its PMIDs, scores and evidence sentences),
    KGX (Biolink's interchange format: OUT_nodes.tsv and OUT_edges.tsv, or .jsonl), GraphML, CSV
    with KGX's columns, or the CSV files of neo4j-admin's bulk import (neo4j-import: the fastest
    first load of a large graph into Neo4j, with the schema medkg's Neo4j store writes).

    Examples:
      [bold]medkg export graph.ttl[/]
      [bold]medkg export medkg.tsv[/]  (KGX: medkg_nodes.tsv, medkg_edges.tsv)
      [bold]medkg export ./neo4j-import --format neo4j-import --import-dir /import[/], then with Neo4j stopped:
      [bold]neo4j-admin database import full --overwrite-destination @/import/import.args neo4j[/]
    """
    from kg.export import export_csv, export_graphml, export_kgx, export_rdf
    from kg.neo4j_import import store_contents, write_import_files

    def neo4j_import(store: GraphStore) -> int:
        files = write_import_files(out, **store_contents(store), import_dir=import_dir)
        return sum(n for name, n in files.counts.items() if name not in ("entities", "articles", "evidence"))

    writers = {
        "ttl": lambda s: export_rdf(s, out, "turtle"),
        "nt": lambda s: export_rdf(s, out, "nt"),
        "kgx": lambda s: export_kgx(s, out, "tsv"),
        "kgx-jsonl": lambda s: export_kgx(s, out, "jsonl"),
        "graphml": lambda s: export_graphml(s, out),
        "csv": lambda s: export_csv(s, out),
        "neo4j-import": neo4j_import,
    }
    if fmt is None:
        by_suffix = {
            ".ttl": "ttl",
            ".nt": "nt",
            ".graphml": "graphml",
            ".csv": "csv",
            ".tsv": "kgx",
            ".jsonl": "kgx-jsonl",
        }
        fmt = by_suffix.get(out.suffix.lower()) or ("csv" if not out.suffix else None)
        if fmt is None:
            fail(
                MedkgError(
                    f"{out}: cannot tell the format from {out.suffix!r}; pass --format with one of {', '.join(writers)}"
                )
            )
    assert fmt is not None
    if fmt not in writers:
        fail(MedkgError(f"--format {fmt!r}: choose one of {', '.join(writers)}"))
    expected = {"ttl": ".ttl", "nt": ".nt", "graphml": ".graphml", "kgx": ".tsv", "kgx-jsonl": ".jsonl"}.get(fmt)
    if expected and out.suffix and out.suffix.lower() != expected:
        fail(
            MedkgError(
                f"{out}: a {out.suffix} name for {fmt} output; name it *{expected} or pass the matching --format"
            )
        )
    with failing(), _settings(config).open_store(read_only=True) as store, status(f"exporting {fmt}"):
        n = writers[fmt](store)
    where = str(out)
    if fmt in ("kgx", "kgx-jsonl"):
        stem, ext = (
            out.with_suffix("") if out.suffix.lower() in (".tsv", ".jsonl") else out,
            "tsv" if fmt == "kgx" else "jsonl",
        )
        where = f"{stem}_nodes.{ext}, {stem}_edges.{ext}"
    console.print(f"{n:,} {'triples' if fmt in ('ttl', 'nt') else 'edges'} -> {where}", soft_wrap=True)
    if fmt == "neo4j-import":
        args = f"{(import_dir or str(out.resolve())).rstrip('/')}/import.args"
        console.print(
            f"With Neo4j stopped: neo4j-admin database import full --overwrite-destination @{args} neo4j\n"
            "then start Neo4j: medkg creates its constraints on first connect."
        )


@app.command("stats")
def stats_cmd(
    config: ConfigOpt = None,
    top: Annotated[int, typer.Option(help="How many central entities.")] = 10,
    fmt: Annotated[str, typer.Option("--format", "-f", help="json or jsonl (one line).")] = "json",
    out: OutOpt = None,
) -> None:
    """Graph analytics with networkx: degree distribution, components, most central entities (JSON).

    Example: [bold]medkg stats --top 20[/]
    """
    from kg.export import graph_stats

    with failing(), _settings(config).open_store(read_only=True) as store:
        result = graph_stats(store, top)
    write_document(result, check_format(fmt, ("json", "jsonl")), out)


@app.command("check")
def check_cmd(config: ConfigOpt = None) -> None:
    """Check the graph for what a sound one never holds (JSON): duplicate edges, disease ->
    phenotype edges to HPO's root, literature edges whose evidence count disagrees with their
    evidence. Exit status 1 when it finds any, with what to do.

    Example: [bold]medkg check[/]
    """
    with failing():
        # It reads every edge: a large graph may take longer than a researcher's query is allowed to.
        settings = _settings(config).model_copy(update={"query_timeout_s": 24 * 3600.0})
        with settings.open_store(read_only=True) as store, status("checking every edge of the graph"):
            report = store.integrity()
    typer.echo(json.dumps(report, indent=2))
    if report["problems"]:
        console.print(
            f"[red]{report['problems']} problem(s)[/]: graphs written by the embedded store before December 2026 "
            "could be corrupted by a LadybugDB defect (BENCHMARKS.md, session 17); loading again does not mend the "
            "misdirected edges. Rebuild it: move the graph folder (MEDKG_STORE_PATH, default ~/.cache/medkg/graph) "
            "away and run `medkg run` again (trained models are kept)."
        )
        raise typer.Exit(1)
    console.print("[green]no problem found[/]")


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes, each with its own models on cores/workers threads (more requests/s under load).",
        ),
    ] = 1,
    ner_model: Annotated[Path | None, typer.Option(help="NER model folder (default: the cached BC5CDR model).")] = None,
    re_model: Annotated[
        Path | None, typer.Option(help="Relation model folder (default: the cached BC5CDR model).")
    ] = None,
    diagnosis_model: Annotated[
        Path | None, typer.Option(help="Diagnosis model folder (default: ~/.cache/medkg/models/diagnosis).")
    ] = None,
    rerank: Annotated[
        int | None, typer.Option(help="Candidates the diagnosis model re-ranks per request (fewer: faster).")
    ] = None,
    prune: Annotated[
        bool,
        typer.Option(
            help="Skip re-ranking candidates too far behind to reach first place (the margin in the model card)."
        ),
    ] = True,
    quantize: Annotated[str | None, typer.Option(help="int8 or bf16 weights for the models (faster on CPU).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Serve the HTTP API (FastAPI + uvicorn); OpenAPI docs at /docs. MEDKG_API_KEY enables /v1/query.
    The embedded store is opened read-only: stop ingestion into it while serving.

    Example: [bold]MEDKG_API_KEY=secret medkg serve --port 8000 --workers 2[/]
    """
    import os

    import uvicorn

    from wiring.serving import OPTIONS_ENV, ServeOptions, build_app, check

    cores = os.cpu_count() or 1
    options = ServeOptions(
        ner_model=ner_model,
        re_model=re_model,
        diagnosis_model=diagnosis_model,
        rerank=rerank,
        prune=prune,
        quantize=quantize,
        config=config,
        threads=max(1, cores // workers) if workers > 1 else None,
    )
    with failing():
        settings = check(options)
        if not settings.api_key:
            console.print("[yellow]MEDKG_API_KEY is not set: POST /v1/query is disabled[/]")
        if workers == 1:
            uvicorn.run(build_app(options), host=host, port=port)
            return
    os.environ[OPTIONS_ENV] = options.model_dump_json()
    console.print(f"{workers} worker processes, {options.threads} torch thread(s) each")
    uvicorn.run("wiring.serving:app_from_env", factory=True, workers=workers, host=host, port=port)


@app.command("query")
def query_cmd(
    cypher: Annotated[str, typer.Argument(help="A read-only Cypher query.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="k=v parameters (v parsed as JSON when it can be).")
    ] = None,
    fmt: DataFormatOpt = "table",
    out: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Run a read-only Cypher query on the graph store; rows as a table, JSON, JSON Lines, CSV or
    TSV (--format), to the screen or a file (--out).

    Example: [bold]medkg query "MATCH (c:Entity)-\\[r:CAUSES]->(d:Entity {name: $d}) RETURN c.name, r.evidence_count" -p d=Hypotension[/]
    """  # noqa: E501 (examples run as printed, one line each)
    fmt = check_format(fmt)
    params: dict[str, Any] = {}
    for item in param or []:
        if "=" not in item:
            fail(MedkgError(f"--param {item!r}: write it as name=value"))
        k, v = item.split("=", 1)
        try:
            params[k] = json.loads(v)
        except json.JSONDecodeError:
            params[k] = v
    with failing(), _settings(config).open_store(read_only=True) as store:
        rows = store.query(cypher, params)
    write_rows(rows, fmt, out)
    if fmt == "table" or out is not None:
        console.print(f"{len(rows)} rows" + (f" -> {out}" if out else ""))


def _reflow(doc: str) -> str:
    """A docstring's paragraphs as flowing text: a line break inside a paragraph becomes a space,
    except before an indented line (the examples' lists), which keeps its break."""
    return "\n\n".join(re.sub(r"\n(?=\S)", " ", paragraph) for paragraph in doc.split("\n\n"))


def _flowing_help(typer_app: typer.Typer) -> None:
    """Rich markup keeps a docstring's line breaks after its first paragraph (Typer 0.29), so help
    wrapped at 100 columns came out ragged in an 80-column terminal; give every command its
    docstring as flowing paragraphs, and command lists its first paragraph as one line."""
    import inspect

    for info in typer_app.registered_commands:
        doc = inspect.getdoc(info.callback) if info.callback else None
        if info.help is None and doc:
            info.help = _reflow(doc)
            if info.short_help is None:
                info.short_help = " ".join(doc.split("\n\n")[0].split())
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _flowing_help(group.typer_instance)


_flowing_help(app)


def main() -> None:
    """The ``medkg`` entry point: an error nobody foresaw ends in one line, not a traceback
    (``MEDKG_DEBUG=1`` shows the traceback)."""
    import os

    from flows.runtime import stop_on_signals

    try:
        stop_on_signals()  # SIGTERM: exit handlers run (no orphan server), and the command ends within seconds
        app()
    except SystemExit as exc:
        if exc.code == 130:  # Typer's exit on Ctrl-C, silent otherwise
            console.print("stopped (Ctrl-C)")
        raise
    except Exception as exc:
        if os.environ.get("MEDKG_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:500]
        console.print(
            f"[bold red]error:[/] {escape(f'{type(exc).__name__}: {detail}')} (MEDKG_DEBUG=1 shows the traceback)",
            soft_wrap=True,
            highlight=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
