"""Time the term index's dense part as ``medkg run`` builds it: the pipeline's vocabularies
(MEDKG_HOME's settings) are read, then every disease name is embedded and the static query encoder
distilled (``TermIndex.embed``); prints the seconds of that step as JSON. ``--variants`` and
``--epochs`` change the distillation; ``--out`` keeps the index, so that its accuracy can be read
with ``bench/normalize.py --pipeline-index`` from a MEDKG_HOME whose ``index/`` holds it under the
pipeline's file name.

    ATEN_CPU_CAPABILITY=avx2 MEDKG_CPU_BF16=false python bench/index_embed.py        # an AVX2-only CPU
    python bench/index_embed.py --variants 40000 --epochs 12 --out /tmp/idx.pkl          # session 48's distillation
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ontologies.dense import NameEncoder
from ontologies.sources import DENSE_CATEGORIES, build_index
from readers import read_documents
from wiring.settings import load_settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", type=int, default=None, help="name variants the distillation embeds")
    ap.add_argument("--epochs", type=int, default=None, help="epochs of the distillation")
    ap.add_argument("--out", type=Path, help="where to save the index (a TermIndex pickle)")
    args = ap.parse_args()
    settings = load_settings()
    index = build_index(
        settings.data_dir,
        settings.normalizer_corpora(),
        settings.gene_vocabularies(),
        lambda p: read_documents(p, on_error="skip"),
        settings.supplement_vocabulary(),
    )
    options = {k: v for k, v in (("variants", args.variants), ("epochs", args.epochs)) if v is not None}
    encoder = NameEncoder(settings.normalizer_encoder)
    started = time.perf_counter()
    index.embed(encoder, DENSE_CATEGORIES, distill_options=options, progress=False)
    seconds = time.perf_counter() - started
    if args.out:
        index.save(args.out)
    names = sum(len(index.row_forms.get(c, [])) for c in DENSE_CATEGORIES)
    print(json.dumps({"names": names, "distillation": options or "defaults", "embed_and_distill_s": round(seconds, 1)}))


if __name__ == "__main__":
    main()
