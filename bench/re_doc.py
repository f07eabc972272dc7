"""The BC5CDR relation model of a first run (the document-level model from a NER model's encoder;
BC5CDR's dev split three in four training, the fourth held out, as ``flows.train.train_re_task``
splits it) with ``DocRelationConfig`` fields changed; prints the minutes, the per-epoch history and
the held-out CID pair F1 (gold entities) at the kept epoch as JSON. BENCHMARKS.md uses it to
measure schedules, as ``bench/ner_joint.py`` does for the taggers.

    python bench/re_doc.py --base-model ~/.cache/medkg/models/ner-bc5cdr --out /tmp/re-e3 --set epochs=3
    ATEN_CPU_CAPABILITY=avx2 MEDKG_CPU_BF16=false python bench/re_doc.py --base-model NER --out /tmp/re-e4   # fp32
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ner_joint import _value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-model", required=True, help="the NER model folder whose encoder it starts from")
    ap.add_argument("--out", type=Path, required=True, help="the relation model's folder")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="a DocRelationConfig field")
    args = ap.parse_args()

    from extractors.configs import DocRelationConfig
    from extractors.doc_relations import train_relation_model
    from flows.train import _split
    from wiring.settings import load_settings

    fields = {k: _value(v) for k, v in (s.split("=", 1) for s in args.set)}
    settings = load_settings()
    chosen = settings.model_set("bc5cdr")
    train, dev = settings.data_dir / chosen.train, settings.data_dir / chosen.dev
    train_docs, dev_docs, _ = _split(str(train), str(dev), None, chosen.dev_held_out_every)
    config = DocRelationConfig(**{"base_model": str(args.base_model), "max_minutes": 1e4, **fields})
    started = time.perf_counter()
    card = train_relation_model(train_docs, dev_docs, args.out, config, data_files=[train, dev], progress=True)
    print(
        json.dumps(
            {
                "minutes": round((time.perf_counter() - started) / 60, 2),
                "set": fields,
                "best_epoch": card["metrics"].get("best_epoch"),
                "dev": card["metrics"]["dev"],
                "history": card.get("history"),
            }
        )
    )


if __name__ == "__main__":
    main()
