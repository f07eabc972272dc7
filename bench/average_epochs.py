"""Checkpoint averaging, measured (issue 15): train a first run's joint NER model (as
``bench/ner_joint.py``) or its BC5CDR relation model (as ``bench/re_doc.py``), keep the weights of
every scored epoch, then score the mean weights of the last 2, 3... scored epochs with the
training's own dev scorer. Prints one JSON line per average, then the training's history.

    python bench/average_epochs.py ner --out /tmp/avg-ner                   # scored from epoch 3
    python bench/average_epochs.py re --out /tmp/avg-re --base-model ~/.cache/medkg/models/ner-bc5cdr
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=["ner", "re"])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--base-model", help="re: the NER model folder whose encoder it starts from")
    args = ap.parse_args()

    from extractors import doc_relations, ner, training
    from extractors.configs import DocRelationConfig, NerConfig
    from flows.train import _split
    from wiring.settings import load_settings

    snapshots: dict[int, dict[str, Any]] = {}
    loops: list[training.Loop] = []

    def fit(loop: training.Loop, out: Path, schedule: training.Schedule, *, progress: bool = True) -> dict[str, Any]:
        loops.append(loop)
        evaluate = loop.evaluate

        def snapshot_then_score(epoch: int) -> tuple[float, dict[str, Any]]:
            snapshots[epoch] = {k: v.detach().clone() for k, v in loop.model.state_dict().items()}
            return evaluate(epoch)

        loop.evaluate = snapshot_then_score
        card = training.fit(loop, out, schedule, progress=progress)
        loop.evaluate = evaluate
        return card

    settings = load_settings()
    started = time.perf_counter()
    if args.model == "ner":
        ner.fit = fit  # type: ignore[assignment]
        taggers = []
        for name in ("bc5cdr", "biored"):
            chosen = settings.model_set(name)
            train, dev = settings.data_dir / chosen.train, settings.data_dir / chosen.dev
            train_docs, dev_docs, _ = _split(str(train), str(dev), None, chosen.dev_held_out_every)
            out = args.out / f"ner-{name}"
            taggers.append(ner.TaggerData(train_docs, dev_docs, out, chosen.canonical_types, [train, dev]))
        card = ner.train_taggers(taggers, NerConfig(max_minutes=1e4, score_from=3), progress=True)[0]
    else:
        if not args.base_model:
            ap.error("re needs --base-model")
        doc_relations.fit = fit  # type: ignore[assignment]
        chosen = settings.model_set("bc5cdr")
        train, dev = settings.data_dir / chosen.train, settings.data_dir / chosen.dev
        train_docs, dev_docs, _ = _split(str(train), str(dev), None, chosen.dev_held_out_every)
        config = DocRelationConfig(base_model=args.base_model, max_minutes=1e4, score_from=2)
        card = doc_relations.train_relation_model(
            train_docs, dev_docs, args.out, config, data_files=[train, dev], progress=True
        )
    minutes = round((time.perf_counter() - started) / 60, 2)
    loop, epochs = loops[0], sorted(snapshots)
    for k in range(2, len(epochs) + 1):
        last = epochs[-k:]
        mean = {
            name: (
                sum(snapshots[e][name].float() for e in last).div(len(last)).to(value.dtype)
                if value.is_floating_point()
                else snapshots[last[-1]][name]
            )
            for name, value in snapshots[last[0]].items()
        }
        loop.model.load_state_dict(mean)
        score, info = loop.evaluate(0)
        print(json.dumps({"mean_of_epochs": last, "dev": score, **info}), flush=True)
    print(json.dumps({"minutes": minutes, "best_epoch": card["metrics"].get("best_epoch"), "history": card["history"]}))


if __name__ == "__main__":
    main()
