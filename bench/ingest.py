"""Benchmark end-to-end ingestion (read, NER, normalization, relations, load) through the Prefect
flow into a fresh embedded store; abstracts/s and the time of each stage. Prints JSON.

    python bench/ingest.py --ner-model ~/.cache/medkg/models/ner-bc5cdr --re-model ~/.cache/medkg/models/re-bc5cdr \
        FILE [FILE ...]

Repeat --ner-model and --re-model for the default set of four (BC5CDR's, then BioRED's).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prefect import flow

from flows.ingest import load_vocabularies, with_task_runner
from wiring.settings import Settings, load_settings


@flow(name="medkg-bench-warm-up")
def _warm_up() -> None:
    """Nothing: running it starts Prefect's temporary API server before the clock does."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--ner-model", action="append", required=True, help="repeat for several, in the pipeline's order")
    ap.add_argument("--re-model", action="append", default=[], help="repeat for several")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--in-flight", type=int, default=1)
    ap.add_argument(
        "--task-runner",
        choices=["thread", "dask"],
        default="thread",
        help="dask: a local cluster of --workers processes, one batch in flight per worker",
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--cold", action="store_true", help="count the start of Prefect's temporary API server (~10 s) in the time"
    )
    args = ap.parse_args()
    settings = load_settings()
    settings.term_index()  # built or loaded before the clock starts, as a warm service would be
    if not args.cold:
        _warm_up()  # a deployment's runs talk to a running Prefect server; without one, the first flow starts it
    scratch = Path(tempfile.mkdtemp(prefix="medkg-ingest-"))  # the graph it writes, removed at the end
    settings = settings.model_copy(update={"store_path": scratch / "graph"})
    try:
        _run(args, settings)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(args: argparse.Namespace, settings: Settings) -> None:
    # The flow keeps its own normalizer and cause check per settings: load those before the clock
    # too (until session 27 the index was loaded twice, the second time inside the clock).
    load_vocabularies(settings, relations=bool(args.re_model))
    t0 = time.perf_counter()
    runner = with_task_runner(args.task_runner, workers=args.workers)
    in_flight = args.workers if args.task_runner == "dask" else args.in_flight
    result = runner(args.files, args.ner_model, args.re_model, args.batch_size, settings=settings, in_flight=in_flight)
    seconds = time.perf_counter() - t0
    stages = result["seconds_by_stage"]
    print(
        json.dumps(
            {
                "files": args.files,
                "documents": result["documents_read"],
                "batch_size": args.batch_size,
                "task_runner": args.task_runner if args.task_runner == "thread" else f"dask, {args.workers} workers",
                "prefect_server_started_before_the_clock": not args.cold,
                "seconds": round(seconds, 1),
                "abstracts_per_s": round(result["documents_read"] / seconds, 1),
                "stage_seconds_total": round(sum(stages.values()), 1),
                "seconds_by_stage": stages,
                "mentions_by_type": result["mentions_by_type"],
                "normalized_share": result["normalized_share"],
                "relations_by_predicate": result["relations_by_predicate"],
                "triples_loaded": result["triples_loaded"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
