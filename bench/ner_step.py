"""Seconds per training token of the NER model: a fixed sample of BC5CDR training windows (seeded),
batched by length as ``train_taggers`` batches them, forward, backward and the trainers' optimizer;
the first two batches are not counted. Prints the time per batch, per 1,000 tokens and the epoch
it implies for BC5CDR train. BENCHMARKS.md uses it to compare batch sizes and frozen embeddings.

    python bench/ner_step.py --batch-size 32
    python bench/ner_step.py --batch-size 64 --freeze-embeddings
    ATEN_CPU_CAPABILITY=avx2 MEDKG_CPU_BF16=false python bench/ner_step.py --batch-size 32  # AVX2, fp32

The encoder is in training mode (dropout on); bf16 autocast where the CPU has it (``MEDKG_CPU_BF16``).
"""

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import torch

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--windows", type=int, default=1024, help="training windows sampled (seeded)")
ap.add_argument("--freeze-embeddings", action="store_true", help="word embeddings not trained")
ap.add_argument("--threads", type=int, default=0)
ap.add_argument("--base-model", default="all-minilm-l6-v2")
args = ap.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
SHARED = Path(__file__).resolve().parents[2] / "shared/data/corpora/bc5cdr"
from transformers import AutoModelForTokenClassification, AutoTokenizer

from extractors.models import resolve_encoder
from extractors.ner import NerModel, _length_batches, label_list
from extractors.training import make_optimizer
from readers import read_documents

docs = list(read_documents(SHARED / "CDR_TrainingSet.PubTator.txt"))
labels = label_list(sorted({m.label for d in docs for m in d.mentions}))
base = resolve_encoder(args.base_model)
model = AutoModelForTokenClassification.from_pretrained(base, num_labels=len(labels))
if args.freeze_embeddings:
    model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
model.train()
view = NerModel(model, AutoTokenizer.from_pretrained(base), labels)
every = view.windows(docs, with_labels=True)
rng = random.Random(13)
sample = rng.sample(every, min(args.windows, len(every)))
batches = _length_batches(sample, args.batch_size, rng)
optimizer, _ = make_optimizer(model, 1e-4, 0.01, 1000, 0.06)
times, tokens = [], []
for batch in batches:
    t = time.perf_counter()
    with view._autocast():
        loss = model(**view._batch(batch)).loss
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    times.append(time.perf_counter() - t)
    tokens.append(len(batch) * max(len(w.input_ids) for w in batch))
per_k = 1000 * sum(times[2:]) / sum(tokens[2:])
epoch_tokens = sum(
    len(b) * max(len(w.input_ids) for w in b) for b in _length_batches(every, args.batch_size, random.Random(13))
)
print(
    json.dumps(
        {
            "batch_size": args.batch_size,
            "freeze_embeddings": args.freeze_embeddings,
            "bf16": view.bf16,
            "batches": len(batches) - 2,
            "s_per_batch": round(sum(times[2:]) / (len(times) - 2), 3),
            "s_per_1k_tokens": round(per_k, 4),
            "bc5cdr_train_epoch_min": round(per_k * epoch_tokens / 1000 / 60, 2),
            "windows_per_epoch": len(every),
            "steps_per_epoch": math.ceil(len(every) / args.batch_size),
        }
    )
)
