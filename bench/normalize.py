"""Benchmark the normalizer on gold mentions: accuracy@1/@5, ceiling, mentions/s, index memory and
load time. Prints JSON.

    python bench/normalize.py --data-dir ../shared/data \
        --eval corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt:Disease \
        --eval corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt:Chemical \
        --eval corpora/ncbi-disease/NCBIdevelopset_corpus.txt:Disease

Each --eval is FILE[:TYPE], relative to --data-dir unless absolute (a withheld test split works).
The index uses the training splits (BC5CDR train, NCBI-disease train) as extra dictionaries, as
--dictionary says; never pass the evaluated split there. Names are embedded with --encoder for
the dense fallback (``--encoder ""``: TF-IDF only); --cache DIR keeps the built index for the next
run (to compare --dense-weight or --threshold settings without rebuilding). --pipeline-index
scores the index and settings `medkg run` uses instead (MEDKG_HOME's, every type):

    MEDKG_HOME=~/.cache/medkg python bench/normalize.py --pipeline-index --passes 1 \
        --eval corpora/biored/Dev.PubTator:Gene
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.layout import CORPORA
from kg.types import Document, Mention
from ontologies.dense import DEFAULT_ENCODER, DENSE_CATEGORIES
from ontologies.index import TermIndex
from ontologies.normalizer import CONTEXT_BONUS, DENSE_WEIGHT, QUERY_ENCODERS, Normalizer, evaluate
from ontologies.sources import index_path, load_or_build
from readers import read_documents


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--eval", action="append", required=True)
    ap.add_argument("--dictionary", action="append", default=None, help="training corpora to use as dictionaries")
    ap.add_argument("--threshold", type=float, default=0.55)
    ap.add_argument("--encoder", default=DEFAULT_ENCODER, help="embeds the names for the dense fallback; '' for none")
    ap.add_argument("--dense-weight", type=float, default=DENSE_WEIGHT)
    ap.add_argument("--dense-categories", default=",".join(DENSE_CATEGORIES), help="types whose names are embedded")
    ap.add_argument("--context-bonus", type=float, default=CONTEXT_BONUS)
    ap.add_argument("--no-shared-abbreviations", action="store_true")
    ap.add_argument(
        "--query-encoder",
        choices=QUERY_ENCODERS,
        default="static",
        help="what embeds mentions: the distilled static encoder of the index, or the full encoder",
    )
    ap.add_argument("--cache", type=Path, help="folder where the built index is kept and reused")
    ap.add_argument(
        "--gene-db",
        type=Path,
        action="append",
        default=[],
        help="gene vocabulary (org.Hs.eg.sqlite or NCBI gene_info) to index; repeat for several",
    )
    ap.add_argument(
        "--mesh-supplements",
        type=Path,
        help="MeSH's supplementary records (mesh-supplements.tsv.gz, ontologies.supplements) to index",
    )
    ap.add_argument(
        "--passes",
        type=int,
        default=3,
        help="normalize each file this many times: mentions_per_s is the median of the passes after the first "
        "(a running service's speed), mentions_per_s_first_pass the first",
    )
    ap.add_argument(
        "--pipeline-index",
        action="store_true",
        help="score the term index and normalizer settings the pipeline uses (MEDKG_HOME's, built by medkg run) "
        "instead of building one from these options",
    )
    args = ap.parse_args()
    if args.pipeline_index:
        from wiring.settings import load_settings

        _score(args, load_settings().normalizer(), {"index": "the pipeline's (MEDKG_HOME)", "results": []})
        return
    dictionaries = [
        args.data_dir / d
        for d in (args.dictionary if args.dictionary is not None else [CORPORA["bc5cdr_train"], CORPORA["ncbi_train"]])
    ]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cache = args.cache or Path(tempfile.mkdtemp())
    categories = [c for c in args.dense_categories.split(",") if c]
    path = index_path(
        args.data_dir, cache, dictionaries, args.encoder or None, categories, args.gene_db, args.mesh_supplements
    )
    built = not path.is_file()
    t0 = time.perf_counter()
    load_or_build(
        args.data_dir,
        cache,
        dictionaries,
        args.encoder or None,
        categories,
        progress=True,
        gene_dbs=args.gene_db,
        read_corpus=lambda p: read_documents(p, on_error="skip"),
        supplements=args.mesh_supplements,
    )
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = TermIndex.load(path)
    load_s = time.perf_counter() - t0
    result: dict[str, object] = {
        "concepts": len(index),
        "index_build_s": round(build_s, 1) if built else None,
        "encoder": index.dense_encoder,
        "dense_categories": sorted(index.dense),
        "dense_weight": args.dense_weight if index.dense_encoder else 0.0,
        "context_bonus": args.context_bonus,
        "shared_abbreviations": not args.no_shared_abbreviations,
        "query_encoder": args.query_encoder if index.query_encoder is not None else "full",
        "index_load_s": round(load_s, 2),
        "index_file_mb": round(path.stat().st_size / 2**20, 1),
        "peak_rss_mb_after_build": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024 + rss0 / 1024
        ),
        "dictionaries": [str(d) for d in dictionaries],
        "sources": [{"kind": s.kind, "version": s.version, "terms": s.terms} for s in index.sources],
        "results": [],
    }
    normalizer = Normalizer(
        index,
        threshold=args.threshold,
        dense_weight=args.dense_weight,
        context_bonus=args.context_bonus,
        shared_abbreviations=not args.no_shared_abbreviations,
        query_encoder=args.query_encoder,
    )
    _score(args, normalizer, result)


def _score(args: argparse.Namespace, normalizer: Normalizer, result: dict[str, object]) -> None:
    normalizer.load_encoder()
    # Warm up as a running service is (the encoder, float32 copies of the embeddings, the concept
    # -> rows table) before the clock starts: one exact mention and one for the fallback.
    text = "Hypotension and renal impairment."
    normalizer.normalize_documents(
        [
            Document(
                "warm-up",
                text,
                mentions=(Mention(0, 11, "Hypotension", "Disease"), Mention(16, 32, "renal impairment", "Disease")),
            )
        ]
    )
    for item in args.eval:
        file, _, kind = item.partition(":")
        p = Path(file) if Path(file).is_absolute() else args.data_dir / file
        docs = list(read_documents(p))
        passes = [evaluate(normalizer, docs, label_filter=kind or None) for _ in range(args.passes)]
        r = passes[0]
        if args.passes > 1:  # the first pass pays one-time costs (caches, kernels for new shapes)
            r["mentions_per_s_first_pass"] = r["mentions_per_s"]
            r["mentions_per_s"] = round(statistics.median(x["mentions_per_s"] for x in passes[1:]))
        r["data"], r["type"] = str(p), kind or "all"
        result["results"].append(r)  # type: ignore[union-attr]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
