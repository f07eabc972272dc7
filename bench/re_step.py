"""Seconds per training step of the document-level relation model (4 BC5CDR training documents a
step, forward, backward and optimizer, the first 40 documents, the first two steps not counted)
at a given number of torch threads and window length; prints the step time and the epoch it
implies. BENCHMARKS.md uses it to compare threads and batching on a CPU.

    python bench/re_step.py --threads 1
    python bench/re_step.py --threads 2 --max-length 512
    python bench/re_step.py --attention-dropout 0.1 --base-model ~/.cache/medkg/models/ner-bc5cdr  # the default: 0
    python bench/re_step.py --hidden-dropout 0  # the default: the encoder's own (0.1)

The encoder is in training mode (dropout on), and the optimizer is the trainers' (``make_optimizer``).
"""

import argparse
import math
import sys
import time

import torch

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=0)
ap.add_argument("--max-length", type=int, default=512)
ap.add_argument("--freeze", type=int, default=0, help="bottom encoder layers frozen")
ap.add_argument("--attention-dropout", type=float, default=0.0, help="the encoder's attention dropout while training")
ap.add_argument("--hidden-dropout", type=float, default=None, help="the encoder's hidden dropout (default: its own)")
ap.add_argument("--base-model", default="all-minilm-l6-v2", help="an encoder id or folder (a NER model folder too)")
args = ap.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
SHARED = Path(__file__).resolve().parents[2] / "shared/data/corpora/bc5cdr"
from torch import nn
from transformers import AutoModel, AutoTokenizer

from extractors.doc_relations import END, GENERIC, DocRelationModel, PairHead, _type
from extractors.models import attention_dropout_override, hidden_dropout_override, resolve_encoder
from extractors.relations import relation_schema
from extractors.training import make_optimizer
from readers import read_documents

maxlen, freeze = args.max_length, args.freeze
train_docs = list(read_documents(SHARED / "CDR_TrainingSet.PubTator.txt"))
labels, type_pairs = relation_schema(train_docs)
entity_types = sorted({_type(m) for d in train_docs for m in d.mentions})
base = resolve_encoder(args.base_model)
tok = AutoTokenizer.from_pretrained(base)
tok.add_special_tokens({"additional_special_tokens": [GENERIC, END, *(f"[{t}]" for t in entity_types)]})
enc = AutoModel.from_pretrained(
    base,
    **attention_dropout_override(base, args.attention_dropout),
    **hidden_dropout_override(base, args.hidden_dropout),
)
enc.resize_token_embeddings(len(tok))
enc.train()
head = PairHead(enc.config.hidden_size, len(labels))
model = DocRelationModel(enc, head, tok, labels, type_pairs, max_length=maxlen, device="cpu")
if freeze:
    for p in enc.embeddings.parameters():
        p.requires_grad_(False)
    for layer in enc.encoder.layer[:freeze]:
        for p in layer.parameters():
            p.requires_grad_(False)
ex = []
for d in train_docs:
    e = model.encode(d)
    pairs = model.candidates(e)
    if pairs:
        rel = {(r.subject, r.object): labels.index(r.predicate) for r in d.relations if r.predicate in labels}
        ex.append((e, pairs, [rel.get(p, 0) for p in pairs]))
print("examples", len(ex), "tokens", sum(len(c) for e, _, _ in ex for c in e.chunks))
opt, _ = make_optimizer(nn.ModuleDict({"encoder": enc, "head": head}), 5e-5, 0.01, 1000, 0.06)
ts = []
for k in range(0, 40, 4):
    b = ex[k : k + 4]
    t = time.time()
    logits = torch.cat(model.logits([e for e, _, _ in b], [p for _, p, _ in b]))
    loss = nn.functional.cross_entropy(logits, torch.tensor([k for _, _, y in b for k in y]))
    loss.backward()
    opt.step()
    opt.zero_grad()
    ts.append(time.time() - t)
import numpy as np

s = np.mean(ts[2:])
print("step", s, "epoch min", s * math.ceil(len(ex) / 4) / 60)
