"""The joint NER training of a first run (BC5CDR's tagger together with BioRED's, one encoder;
BC5CDR's dev split three in four training, the fourth held out, as ``flows.train.train_models``
splits it) with ``NerConfig`` fields changed; prints the minutes, the per-epoch history and each
tagger's dev scores at the kept epoch as JSON. BENCHMARKS.md uses it to measure schedules.

    python bench/ner_joint.py --out /tmp/ner-b64 --set batch_size=64 --set learning_rate=1.5e-4
    ATEN_CPU_CAPABILITY=avx2 MEDKG_CPU_BF16=false python bench/ner_joint.py --out /tmp/ner-b32   # fp32, as an AVX2-only CPU
"""  # noqa: E501 (examples run as printed, one line each)

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="a folder: ner-bc5cdr/ and ner-biored/ go in it")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="a NerConfig field (repeat)")
    args = ap.parse_args()

    from extractors.configs import NerConfig
    from extractors.ner import TaggerData, train_taggers
    from flows.train import _split
    from wiring.settings import load_settings

    fields = {k: _value(v) for k, v in (s.split("=", 1) for s in args.set)}
    settings = load_settings()
    taggers = []
    for name in ("bc5cdr", "biored"):
        chosen = settings.model_set(name)
        train, dev = settings.data_dir / chosen.train, settings.data_dir / chosen.dev
        train_docs, dev_docs, _ = _split(str(train), str(dev), None, chosen.dev_held_out_every)
        taggers.append(TaggerData(train_docs, dev_docs, args.out / f"ner-{name}", chosen.canonical_types, [train, dev]))
    started = time.perf_counter()
    cards = train_taggers(taggers, NerConfig(**{"max_minutes": 1e4, **fields}), progress=True)
    print(
        json.dumps(
            {
                "minutes": round((time.perf_counter() - started) / 60, 2),
                "set": fields,
                "best_epoch": cards[0]["metrics"].get("best_epoch"),
                "dev": {t.out.name: c["metrics"]["dev"]["micro"] for t, c in zip(taggers, cards, strict=True)},
                "history": cards[0].get("history"),
            }
        )
    )


if __name__ == "__main__":
    main()
