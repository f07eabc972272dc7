"""Common diseases in the diagnosis graph, and lay descriptions of them (issue 20).

- Coverage: of the diseases in ``bench/data/common_diseases.tsv`` (the 24 of the issue's lay
  descriptions, then 107 a general practitioner sees most, by MeSH id), how many the diagnosis
  graph names: a disease whose CURIE or an xref is that MeSH id, with phenotype knowledge (HPO
  annotations, DOID symptoms, the phenotypes its definition names, literature co-mentions).
- Lay cases: ``bench/data/lay_cases.tsv``, 48 patient-voice descriptions of the 24 diseases
  (two each), written for this benchmark and never used to choose anything
  (``--cases bench/data/lay_cases_dev.tsv``: 48 cases of 24 other common diseases, written to
  choose a ranking on). The phenotypes are
  found as ``medkg diagnose`` finds them; diseases are ranked by phenotype similarity (in the
  general setting fused with the case text's similarity to each disease's description, as
  ``medkg diagnose --setting general`` ranks; ``--no-descriptions``: without); a case is right at k
  when a disease naming its MeSH id is among the first k.

Needs a store with HPO (and DOID) loaded (``medkg load-hpo``). Prints JSON.

    python bench/diagnosis_lay.py
    python bench/diagnosis_lay.py --encoder ~/.cache/medkg/models/phenotype-encoder --show
    python bench/diagnosis_lay.py --cases bench/data/lay_cases_dev.tsv --setting general --simulated 0 --explain D13,D35
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).parent / "data"


def simulated(graph: object, tagger: object, settings: object, n: int) -> dict[str, object]:
    """Phenotype-overlap accuracy on simulated patients (the regression check of the simulated-case
    numbers): the graph of HPO annotations alone with the dictionary, as the earlier sessions
    measured; the full graph (HPO, DOID, literature) with the dictionary; and with dense matching."""
    import random

    from diagnosis.cases import PatientSimulator, SimulationConfig
    from diagnosis.context import PhenotypeTagger, phenotypes_of
    from diagnosis.diagnoser import metrics, similarity_rank
    from diagnosis.graph import DiseaseGraph
    from kg.types import Entity, PhenotypeAnnotation

    g: DiseaseGraph = graph  # type: ignore[assignment]
    sim = PatientSimulator(g, tagger.terms, SimulationConfig())  # type: ignore[attr-defined]
    cases = sim.splits().test_seen
    cases = random.Random(13).sample(cases, min(n, len(cases)))
    hpo = [d for d in g.diseases if all(a.source == "HPO" for a in g.annotations[d])]
    entities = [
        Entity(p, g.names.get(p, p), "biolink:PhenotypicFeature", parents=g.parents.get(p, ())) for p in g.parents
    ]
    entities += [Entity(d, g.names.get(d, d), "biolink:Disease") for d in hpo]
    hpo_graph = DiseaseGraph(
        entities,
        [PhenotypeAnnotation(d, a.phenotype, a.frequency, a.source, a.pmids) for d in hpo for a in g.annotations[d]],
    )
    plain = PhenotypeTagger(tagger.terms)  # type: ignore[attr-defined]

    def acc(graph_: DiseaseGraph, tagger_: object, symmetric: bool = False) -> dict[str, float]:
        ranks = []
        for c in cases:
            found = phenotypes_of(tagger_.tag(c.text))  # type: ignore[attr-defined]
            sims = graph_.symmetric_similarity(found) if symmetric else graph_.similarity(found)
            i = graph_.disease_index.get(c.label)
            ranks.append(similarity_rank(sims, i) if i is not None and sims[i] > 0 else None)
        return metrics(ranks)

    extra = sum(len([f for f in tagger.tag(c.text) if f.source == "hpo-dense"]) for c in cases)  # type: ignore[attr-defined]
    return {
        "cases": len(cases),
        "hpo_graph_dictionary": acc(hpo_graph, plain),
        "full_graph_dictionary": acc(g, plain),
        "full_graph_dense": acc(g, tagger),
        "full_graph_dense_symmetric": acc(g, tagger, True),
        "dense_findings_added": extra,
    }


def calibration(heads: list[tuple[np.ndarray, int | None]]) -> dict[str, object]:
    """How well a softmax over the first 20 candidates' scores gives the first one's probability
    of being right, at each of a range of temperatures: the negative log-likelihood of the truth
    (over the cases whose truth is in the 20; the lowest chose ``diagnosis.descriptions.TEMPERATURE``),
    the expected calibration error of the first candidate's probability (10 bins, in points), and
    how many answers it would make confident and how many of those are right."""
    from diagnosis.diagnoser import expected_calibration_error, softmax

    out: dict[str, object] = {}
    for t in (0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0):
        p = np.array([float(softmax(s, t)[0]) for s, _ in heads])
        right = np.array([g == 0 for _, g in heads], dtype=float)
        nll = np.mean([-np.log(max(float(softmax(s, t)[g]), 1e-12)) for s, g in heads if g is not None])
        ece = expected_calibration_error(p, right)
        out[str(t)] = {
            "nll": round(float(nll), 3),
            "ece": round(100 * float(ece), 1),
            "mean_first_probability": round(100 * float(p.mean()), 1),
            "confident_share": round(100 * float((p >= 0.5).mean()), 1),
            "acc@1_when_confident": round(100 * float(right[p >= 0.5].mean()), 1) if (p >= 0.5).any() else None,
        }
    return out


def familiarity_grid(
    graph: object, settings: object, kept: list[tuple[list[int], np.ndarray, np.ndarray]]
) -> list[dict[str, object]]:
    """The general setting's ranking of the kept cases (their golds, phenotype and description
    similarities) under each setting of ``diagnosis.familiarity``, best mean reciprocal rank first."""
    from diagnosis.diagnoser import similarity_rank
    from diagnosis.familiarity import disease_familiarity, general_scores, prior
    from wiring.diagnosis import mesh_names_and_signs

    mesh = mesh_names_and_signs(settings)  # type: ignore[arg-type]
    if mesh is None:
        return []
    names, signs = mesh
    rows = []
    for extra_word in (0.5, 0.75, 1.0, 1.5):
        for with_signs in (True, False):
            familiar = disease_familiarity(graph, names, signs if with_signs else (), extra_word)  # type: ignore[arg-type]
            for weight in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0):
                weights = prior(familiar, weight)
                ranks = []
                for golds, sims, described in kept:
                    scores = graph.distinct(general_scores(sims, described, weights))  # type: ignore[attr-defined]
                    ranks.append(min((similarity_rank(scores, g) for g in golds if scores[g] > 0), default=np.inf))
                r = np.array(ranks, dtype=float)
                rows.append(
                    {
                        "extra_word": extra_word,
                        "signs_rule": with_signs,
                        "weight": weight,
                        "mrr": round(float(np.mean(1 / r)), 4),
                        **{f"acc@{k}": round(100 * float((r <= k).mean()), 1) for k in (1, 5, 10, 20)},
                    }
                )
    return sorted(rows, key=lambda row: -float(row["mrr"]))  # type: ignore[arg-type]


def explain(
    graph: object, case: dict[str, str], findings: list[object], parts: dict[str, np.ndarray], golds: list[int]
) -> None:
    """``--explain``: a case's first 10 diseases and its own (marked ``*``), each with every score
    that ranked it, to stderr (a disease ``distinct`` folded into its twin has the final score -1)."""
    final = parts["final"]
    order = [int(i) for i in np.argsort(-final, kind="stable")[:10]]
    found = [(f.text, f.name, f.negated) for f in findings]  # type: ignore[attr-defined]
    print(f"== {case['id']} ({case['disease']}): {case['text']}\n   phenotypes: {found}", file=sys.stderr)
    for i in order + [g for g in golds if g not in order]:
        rank = int((final > final[i]).sum()) + 1
        name = graph.names.get(graph.diseases[i], graph.diseases[i])  # type: ignore[attr-defined]
        scores = "  ".join(f"{k} {float(v[i]):.3f}" for k, v in parts.items())
        print(f"  {'*' if i in golds else ' '}{rank:5d}  {name[:40]:40}  {scores}", file=sys.stderr)


def main() -> None:
    from diagnosis.context import PhenotypeTagger, phenotypes_of
    from diagnosis.diagnoser import similarity_rank
    from diagnosis.familiarity import general_scores
    from diagnosis.graph import DiseaseGraph, named_first
    from wiring.diagnosis import disease_descriptions, disease_familiarity, hpo_terms, mesh_signs, use_dense_matcher
    from wiring.settings import load_settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--diseases", type=Path, default=DATA / "common_diseases.tsv")
    ap.add_argument("--cases", type=Path, default=DATA / "lay_cases.tsv")
    ap.add_argument("--encoder", default="", help="the dense matcher's encoder (default: as medkg diagnose picks it)")
    ap.add_argument("--no-dense", action="store_true")
    ap.add_argument(
        "--no-descriptions", action="store_true", help="general setting: rank by phenotype similarity alone"
    )
    ap.add_argument(
        "--no-familiarity",
        action="store_true",
        help="general setting: without the prior of how familiar a disease's name is (diagnosis.familiarity)",
    )
    ap.add_argument(
        "--no-named",
        action="store_true",
        help="general setting: without bringing up the diseases a phenotype of the case names "
        "(diagnosis.graph.named_first; session 56)",
    )
    ap.add_argument(
        "--familiarity-grid",
        action="store_true",
        help="general setting: also the mean reciprocal rank and acc@k of each EXTRA_WORD and WEIGHT of "
        "diagnosis.familiarity, with and without its rule for signs (how they were chosen, on the dev cases)",
    )
    ap.add_argument("--setting", default="rare", help="rare or general (diagnosis.graph.SETTINGS)")
    ap.add_argument("--show", action="store_true", help="each case's phenotypes and first diseases (stderr)")
    ap.add_argument(
        "--explain",
        default="",
        help="comma-separated case ids: their first 10 diseases and the case's own with each score that ranks "
        "them (phenotype similarity, after named_first, description similarity, familiarity weight, final; stderr)",
    )
    ap.add_argument(
        "--simulated",
        type=int,
        default=300,
        help="regression check: phenotype-overlap acc@1 on this many simulated "
        "cases (HPO-only graph and dictionary, as before; the full graph; the full graph with the dense matcher); 0: "
        "skip",
    )
    args = ap.parse_args()

    settings = load_settings()
    with settings.open_store() as store:
        graph = DiseaseGraph.from_store(store)
    by_mesh: dict[str, list[int]] = defaultdict(list)
    sources: dict[str, set[str]] = defaultdict(set)
    for i, d in enumerate(graph.diseases):
        for c in (d, *graph.xrefs.get(d, ())):
            by_mesh[c].append(i)
            sources[c].update(a.source for a in graph.annotations[d])
    with args.diseases.open() as f:
        common = list(csv.DictReader(f, delimiter="\t"))
    named = [r for r in common if by_mesh.get(r["mesh_id"])]
    report: dict[str, object] = {"graph_diseases": len(graph.diseases), "coverage": {}}
    for lst in sorted({r["list"] for r in common}) + ["all"]:
        rows = [r for r in common if lst in ("all", r["list"])]
        hit = [r for r in rows if by_mesh.get(r["mesh_id"])]
        report["coverage"][lst] = {
            "diseases": len(rows),
            "named": len(hit),
            "percent": round(100 * len(hit) / max(1, len(rows)), 1),  # type: ignore[index]
            "missing": [r["name"] for r in rows if r not in named],
        }
    report["named_by_source"] = {
        s: sum(1 for r in named if s in sources[r["mesh_id"]])
        for s in (
            "HPO",
            "DOID",
            "DOID subtypes",
            "MeSH definition",
            "DOID definition",
            "WordNet definition",
            "Synthea",
            "MeSH subtypes",
            "literature",
        )
    }

    named = graph.diseases_named(mesh_signs(settings)) if args.setting == "general" and not args.no_named else {}
    tagger = PhenotypeTagger(hpo_terms(settings))
    if not args.no_dense:
        use_dense_matcher(tagger, settings, args.encoder or None)
    descriptions = (
        disease_descriptions(graph, settings) if args.setting == "general" and not args.no_descriptions else None
    )
    familiarity = disease_familiarity(graph, settings) if descriptions is not None and not args.no_familiarity else None
    with args.cases.open() as f:
        cases = list(csv.DictReader(f, delimiter="\t"))
    kept: list[tuple[list[int], np.ndarray, np.ndarray]] = []  # for --familiarity-grid
    ranks: list[float] = []
    heads: list[tuple[np.ndarray, int | None]] = []  # each case's first 20 scores, and the truth's place among them
    symmetric_ranks: list[float] = []
    found_n: list[int] = []
    t0 = time.perf_counter()
    for c in cases:
        findings = tagger.tag(c["text"], lay=args.setting == "general")
        phenotypes = phenotypes_of(findings)
        found_n.append(len(phenotypes))
        # the case's disease under any id the ranking may list it by (its twins: ``DiseaseGraph.distinct``)
        golds = sorted(
            {
                graph.disease_index[t]
                for g in by_mesh.get(c["disease"], [])
                for t in graph.same_disease(graph.diseases[g])
            }
        )
        sims = (
            graph.similarity(phenotypes, args.setting)
            if phenotypes
            else np.zeros(len(graph.diseases), dtype=np.float32)
        )
        parts = {"phenotype": sims}
        if args.setting == "general" and not args.no_named:
            sims = parts["named_first"] = named_first(sims, phenotypes, named)
        if descriptions is not None:
            described = parts["description"] = descriptions.similarity(c["text"])
            kept.append((golds, sims, described))
            sims = general_scores(sims, described, familiarity)
        if familiarity is not None:
            parts["familiarity"] = familiarity
        sims = parts["final"] = graph.distinct(sims)  # one disease under two ids is listed once, as served
        if c["id"] in args.explain.split(","):
            explain(graph, c, findings, parts, golds)
        # The position as served (ties in disease order), not the tie-optimistic one before session 18.
        rank = min((similarity_rank(sims, g) for g in golds if sims[g] > 0), default=float("inf"))
        ranks.append(rank)
        head = np.argsort(-sims, kind="stable")[:20]
        heads.append((sims[head], next((k for k, i in enumerate(head) if i in golds), None)))
        both = graph.symmetric_similarity(phenotypes) if phenotypes else sims
        symmetric_ranks.append(min((similarity_rank(both, g) for g in golds if both[g] > 0), default=float("inf")))
        if args.show:
            top = np.argsort(-sims, kind="stable")[:5]
            print(
                json.dumps(
                    {
                        "id": c["id"],
                        "gold": c["disease"],
                        "rank": rank if rank != float("inf") else None,
                        "phenotypes": [(f.text, f.name, f.negated) for f in findings],
                        "top": [graph.names.get(graph.diseases[i], graph.diseases[i]) for i in top],
                    }
                ),
                file=sys.stderr,
            )
    ms = round(1000 * (time.perf_counter() - t0) / max(1, len(cases)), 1)
    r = np.array(ranks)
    report["lay_cases"] = {
        "cases": len(cases),
        "setting": args.setting,
        "descriptions": descriptions is not None,
        "familiarity": familiarity is not None,
        "ms_per_case": ms,
        "with_no_phenotype": int(sum(n == 0 for n in found_n)),
        "phenotypes_per_case": round(float(np.mean(found_n)), 2),
        "disease_in_graph": int(sum(bool(by_mesh.get(c["disease"])) for c in cases)),
        **{f"acc@{k}": round(100 * float((r <= k).mean()), 1) for k in (1, 5, 10, 20)},
        "mrr": round(float(np.mean(1 / r)), 4),
        "symmetric": {
            f"acc@{k}": round(100 * float((np.array(symmetric_ranks) <= k).mean()), 1) for k in (1, 5, 10, 20)
        },
    }
    report["calibration"] = calibration(heads)
    if args.familiarity_grid and kept:
        report["familiarity_grid"] = familiarity_grid(graph, settings, kept)
    if args.simulated:
        report["simulated"] = simulated(graph, tagger, settings, args.simulated)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
