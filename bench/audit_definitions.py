"""Draw disease -> phenotype edges that came from the diseases' definitions (sources
``MeSH definition``, ``DOID definition``; issue 20) at random from a store, each with the words
that matched and the definition, for a person to judge (``docs/audit/definitions-*.tsv`` keeps the
judged sample: fill ``correct`` with y/n and ``why``).

    MEDKG_HOME=/tmp/s16/home python bench/audit_definitions.py --n 40 --seed 16 > sample.tsv
    # only the edges a change added: those the graph loaded before it (an embedded store) lacks
    MEDKG_HOME=/tmp/s35/lay2 python bench/audit_definitions.py --n 30 --seed 35 --baseline /tmp/s35/lay/graph
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    from diagnosis.context import PhenotypeTagger
    from diagnosis.definitions import DOID_DEFINITION, MESH_DEFINITION, doid_definitions, doid_keys, medic_definitions
    from wiring.diagnosis import HpoFiles, hpo_terms, mesh_files_of
    from wiring.settings import load_settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument(
        "--baseline", type=Path, help="an embedded store loaded before a change: draw only the edges it lacks"
    )
    args = ap.parse_args()

    settings = load_settings()
    files = HpoFiles.of(settings)
    with settings.open_store(read_only=True) as store:
        rows = store.phenotype_annotations()
    names = {r["disease"]: r["name"] for r in rows}
    edges = sorted(
        {(r["disease"], r["phenotype"], r["source"]) for r in rows if r["source"] in (MESH_DEFINITION, DOID_DEFINITION)}
    )
    if args.baseline is not None:
        with settings.model_copy(update={"store_path": args.baseline}).open_store(read_only=True) as store:
            edges = sorted(
                set(edges) - {(r["disease"], r["phenotype"], r["source"]) for r in store.phenotype_annotations()}
            )
    random.Random(args.seed).shuffle(edges)
    print(f"{len(edges)} definition edges; drawing {args.n}", file=sys.stderr)
    tagger = PhenotypeTagger(hpo_terms(settings))
    definitions = []
    if files.definitions is not None:
        definitions += medic_definitions(files.definitions)
    if files.doid_definitions is not None:
        definitions += doid_definitions(files.doid_definitions)
    keys, _ = (
        doid_keys(files.doid_mesh, files.doid_tree, mesh_files=mesh_files_of(files))
        if files.doid_mesh is not None
        else ({}, {})
    )
    by_key: dict[tuple[str, str], list] = {}
    for d in definitions:
        by_key.setdefault((keys.get(d.curie, d.curie), d.source), []).append(d)
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(
        ["disease", "disease_name", "phenotype", "phenotype_name", "source", "matched", "definition", "correct", "why"]
    )
    for disease, phenotype, source in edges[: args.n]:
        matched: list[str] = []
        text = ""
        for d in by_key.get((disease, source), []):
            full = f"{d.name}. {d.text}" if d.text else d.name
            hits = [f.text for f in tagger.tag(full) if f.curie == phenotype and not f.negated]
            if hits:
                matched, text = matched + hits, full
        out.writerow(
            [
                disease,
                names.get(disease, ""),
                phenotype,
                tagger.names.get(phenotype, phenotype),
                source,
                "|".join(matched) or "(name or synonym)",
                text[:400],
                "",
                "",
            ]
        )


if __name__ == "__main__":
    main()
