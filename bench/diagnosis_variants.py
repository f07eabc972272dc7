"""Variants of the general setting's diagnosis tried on the lay cases and not kept (issue 20,
BENCHMARKS.md, session 56): each changes one thing in memory, then runs ``bench/diagnosis_lay.py``
(or ``bench/lay.py`` for ``feel-windows``) with the remaining arguments, so its JSON compares with
theirs on the same graph and cases. They were measured before ``diagnosis.graph.named_first``
was kept: pass ``--no-named`` for their numbers (``bench/diagnosis_lay.py --no-named`` is the
"before" of that session).

- ``inherit-down``: a disease HPO does not annotate takes the phenotypes of the diseases above it
  in MeSH's disease tree (their own sources, not ``MeSH subtypes``): iron deficiency anemia the
  Synthea symptoms of Anemia. ``--nearest``: the nearest ancestor only; ``--only SOURCE``: only
  the ancestors' edges of that source (Synthea).
- ``bare-mesh``: every MeSH disease descriptor (C tree, F03) that is no node of the graph joins
  the candidates with no phenotype, ranked by its description alone (Dermatomycoses, Chlamydia
  Infections). ``--leaves``: only descriptors with no narrower one.
- ``feel-windows``: the dense matcher's windows may also start on a verb of feeling ("feel
  bloated") and end on "a lot" ("pee a lot"), so the word they hold is no lone word.

    python bench/diagnosis_variants.py inherit-down --cases bench/data/lay_cases_dev.tsv --setting general \
        --simulated 0 --no-named
    python bench/diagnosis_variants.py bare-mesh --cases bench/data/lay_cases.tsv --setting general \
        --simulated 0 --no-named
    python bench/diagnosis_variants.py feel-windows          # bench/lay.py's dev and test sentences
"""

from __future__ import annotations

import bisect
import runpy
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnosis.graph import COMMON_PRIOR, DiseaseGraph
from kg.types import Entity, PhenotypeAnnotation

INHERITED = "MeSH parents"


def _disease_trees() -> dict[str, tuple[str, ...]]:
    from ontologies.loaders import load_mesh_trees
    from wiring.diagnosis import HpoFiles
    from wiring.settings import load_settings

    files = HpoFiles.of(load_settings())
    if files.mesh_trees is None or not files.mesh_trees.is_file():
        sys.exit("MeSH's trees are not in the shared data")
    return {
        m: tuple(t for t in ts if t[:1] == "C" or t.startswith("F03"))
        for m, ts in load_mesh_trees(files.mesh_trees).items()
    }


def _rebuilt(g: DiseaseGraph, extra: Sequence[PhenotypeAnnotation], bare: dict[str, str] | None = None) -> DiseaseGraph:
    """``g`` again with ``extra`` annotations and, with ``bare``, diseases that have none."""
    entities = [
        Entity(p, g.names.get(p, p), "biolink:PhenotypicFeature", parents=g.parents.get(p, ())) for p in g.phenotypes
    ]
    entities += [Entity(d, g.names.get(d, d), "biolink:Disease", xrefs=g.xrefs.get(d, ())) for d in g.diseases]
    entities += [Entity(m, name, "biolink:Disease") for m, name in (bare or {}).items()]
    annotations = [
        PhenotypeAnnotation(d, a.phenotype, a.frequency, a.source, a.pmids)
        for d in g.diseases
        for a in g.annotations[d]
    ]
    rebuilt = DiseaseGraph(entities, [*annotations, *extra], g.literature)
    if bare:
        # DiseaseGraph lists only diseases with annotations: add the bare ones by hand.
        for m in bare:
            rebuilt.annotations.setdefault(m, [])
        rebuilt.diseases = sorted(rebuilt.annotations)
        rebuilt.disease_index = {d: i for i, d in enumerate(rebuilt.diseases)}
        rebuilt.matrix = rebuilt._annotation_matrix()
        general = rebuilt._annotation_matrix(general=True)
        rebuilt.general_matrix = general if general.nnz else None
        rebuilt.general_prior = np.array(
            [g.general_prior[g.disease_index[d]] if d in g.disease_index else COMMON_PRIOR for d in rebuilt.diseases],
            dtype=np.float32,
        )
        rebuilt.ic = rebuilt._information_content(rebuilt.matrix)
        rebuilt.twins = rebuilt._twin_groups()
        rebuilt._same = {
            rebuilt.diseases[i]: frozenset(rebuilt.diseases[j] for j in grp) for grp in rebuilt.twins for i in grp
        }
    return rebuilt


def inherit_down(g: DiseaseGraph, nearest: bool, only: str | None) -> DiseaseGraph:
    trees = _disease_trees()
    mesh_of = {d: {c for c in (d, *g.xrefs.get(d, ())) if c.startswith("MESH:")} for d in g.diseases}
    curated = {d for d in g.diseases if any(a.source == "HPO" for a in g.annotations[d])}
    own = {
        d: {a.phenotype for a in g.annotations[d] if a.source != "MeSH subtypes" and (only is None or a.source == only)}
        for d in g.diseases
    }
    by_tree: dict[str, set[str]] = {}
    for d, ms in mesh_of.items():
        if d not in curated and own[d]:
            for m in ms:
                for t in trees.get(m, ()):
                    by_tree.setdefault(t, set()).add(d)
    extra = []
    for d in g.diseases:
        if d in curated:
            continue
        got: set[str] = set()
        for m in mesh_of[d]:
            for t in trees.get(m, ()):
                parts = t.split(".")
                above = [".".join(parts[:k]) for k in range(len(parts) - 1, 1, -1)]  # nearest first
                for a in above[:1] if nearest else above:
                    for x in by_tree.get(a, ()):
                        if not mesh_of[x] & mesh_of[d]:
                            got |= own[x]
        have = {a.phenotype for a in g.annotations[d]}
        extra += [PhenotypeAnnotation(d, p, None, INHERITED) for p in sorted(got - have)]
    print(f"inherit-down: {len(extra)} edges on {len({a.disease for a in extra})} diseases", file=sys.stderr)
    return _rebuilt(g, extra)


def bare_mesh(g: DiseaseGraph, leaves: bool) -> DiseaseGraph:
    from wiring.diagnosis import mesh_names_and_signs
    from wiring.settings import load_settings

    trees = _disease_trees()
    mesh = mesh_names_and_signs(load_settings())
    names = mesh[0] if mesh is not None else {}
    every = sorted(t for ts in trees.values() for t in ts)

    def leaf(m: str) -> bool:
        for t in trees[m]:
            i = bisect.bisect_left(every, t + ".")
            if i < len(every) and every[i].startswith(t + "."):
                return False
        return True

    known = {c for d in g.diseases for c in (d, *g.xrefs.get(d, ()))}
    bare = {
        m: (names.get(m) or (m,))[0] for m, ts in trees.items() if ts and m not in known and (not leaves or leaf(m))
    }
    print(f"bare-mesh: {len(bare)} descriptors join the candidates", file=sys.stderr)
    return _rebuilt(g, [], bare)


def feel_windows() -> None:
    from diagnosis import lay

    starts, ends = {"feel", "feels", "feeling", "felt"}, {"lot", "lots"}
    windows = lay.DensePhenotypes.windows

    def patched(self: Any, doc: Any, taken: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
        found = windows(self, doc, taken)
        blocked = {i for s, e in taken for i in range(s, e)}
        have = set(found)
        for s, e in list(found):
            left = s - 1 if s > 0 and doc[s - 1].lower_ in starts and s - 1 not in blocked else s
            right = (
                e + 2
                if e + 1 < len(doc) and doc[e].lower_ == "a" and doc[e + 1].lower_ in ends and not {e, e + 1} & blocked
                else e
            )
            for w in ((left, e), (s, right), (left, right)):
                if w not in have:
                    have.add(w)
                    found.append(w)
        return found

    lay.DensePhenotypes.windows = patched  # type: ignore[method-assign]


def _graph_variant(make: Callable[[DiseaseGraph], DiseaseGraph]) -> None:
    from_store = DiseaseGraph.from_store

    def patched(store: Any, **kwargs: Any) -> DiseaseGraph:
        return make(from_store(store, **kwargs))

    DiseaseGraph.from_store = patched  # type: ignore[method-assign,assignment]


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("inherit-down", "bare-mesh", "feel-windows"):
        sys.exit(__doc__)
    variant, args = sys.argv[1], sys.argv[2:]

    def flag(name: str) -> bool:
        if name in args:
            args.remove(name)
            return True
        return False

    script = "diagnosis_lay.py"
    if variant == "inherit-down":
        nearest = flag("--nearest")
        only = None
        if "--only" in args:
            k = args.index("--only")
            only = args[k + 1]
            del args[k : k + 2]
        _graph_variant(lambda g: inherit_down(g, nearest, only))
    elif variant == "bare-mesh":
        leaves = flag("--leaves")
        _graph_variant(lambda g: bare_mesh(g, leaves))
    else:
        feel_windows()
        script = "lay.py"
    path = Path(__file__).parent / script
    sys.argv = [str(path), *args]
    runpy.run_path(str(path), run_name="__main__")


if __name__ == "__main__":
    main()
