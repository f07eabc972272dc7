"""Time HPO's entities and disease -> phenotype annotations loading into a fresh embedded store
(what `medkg run` does once). Prints JSON.

    python bench/hpo_load.py --store /tmp/hpo-graph
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, required=True, help="a scratch folder (removed first)")
    args = ap.parse_args()

    from kg.embedded_store import EmbeddedStore
    from kg.store import batched
    from ontologies.hpo import load_hpo
    from wiring.diagnosis import HpoFiles
    from wiring.settings import load_settings

    files = HpoFiles.of(load_settings())
    t0 = time.perf_counter()
    records = load_hpo(files.obo, files.annotations, None)
    out: dict[str, float | int] = {
        "read_s": round(time.perf_counter() - t0, 1),
        "entities": len(records.entities),
        "annotations": len(records.annotations),
    }
    shutil.rmtree(args.store, ignore_errors=True)
    with EmbeddedStore(args.store) as store:
        for name, items, load in (
            ("entities", records.entities, store.load_entities),
            ("annotations", records.annotations, store.load_phenotypes),
        ):
            t0 = time.perf_counter()
            for chunk in batched(items, 10_000):
                load(chunk)
            out[f"{name}_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
