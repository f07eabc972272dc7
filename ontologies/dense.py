"""Dense name embeddings for the normalizer's fallback: mentions that match no name exactly are
ranked by the cosine of their sentence embedding with every name of the type, blended with the
character 3-gram TF-IDF cosine (``Normalizer(dense_weight=...)``).

The encoder is the offline all-MiniLM-L6-v2 by default (mean pooling, unit length, as
sentence-transformers uses it); any Hugging Face id or local folder works (a biomedical entity
encoder such as SapBERT when a user has one). Measured on BC5CDR and NCBI-disease dev in
BENCHMARKS.md: the general-purpose encoder already maps "renal impairment" near "renal
insufficiency" and "liver tumors" near "liver neoplasms", which no 3-gram overlap does.

Names are embedded once, mentions all the time: ``StaticQueryEncoder``, distilled from the name
encoder when the index is built (``distill_query_encoder``), embeds mentions into the same space
for a table lookup instead of six transformer layers, which were most of the normalizer's time
on NCBI-disease dev.

>>> encoder = NameEncoder()  # doctest: +SKIP
>>> encoder.encode(["renal impairment", "renal insufficiency"]).shape  # doctest: +SKIP
(2, 384)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kg.encoders import OFFLINE_ENCODER, mean_pool

DEFAULT_ENCODER = OFFLINE_ENCODER  # the name every stage starts from (kg.encoders)
# The types whose names are embedded: diseases gain 2.8 points of accuracy@1 on BC5CDR dev;
# chemicals (names like "5-FU" or "cis-platinum", where 3-grams already work) 0.3 at a third of
# the speed, so they stay on TF-IDF (BENCHMARKS.md).
DENSE_CATEGORIES = ("Disease",)


def encoder_fingerprint(encoder: Any) -> str:
    """The encoder's name and, for a model folder, its files' sizes and times: a model retrained
    into the same folder must not reuse the embeddings of the one before."""
    name = str(getattr(encoder, "name", ""))
    if getattr(encoder, "fp32", False):  # embeddings in float32 wherever they are made
        name += "|fp32"
    folder = Path(str(getattr(encoder, "name", "")))
    if not name or not folder.is_dir():
        return name
    return (
        name
        + "|"
        + "|".join(
            f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in sorted(folder.iterdir()) if f.is_file()
        )
    )


def cached_embeddings(
    encoder: Any, texts: Sequence[str], cache: Path | None, prefix: str, *, batch_size: int = 64, desc: str = "texts"
) -> np.ndarray:
    """``encoder.encode(texts)`` as float32, kept in ``cache/<prefix>-<key>.npy`` (the key hashes
    the encoder's fingerprint and the texts) and read from there the next time."""
    key = hashlib.sha256("\n".join([encoder_fingerprint(encoder), *texts]).encode()).hexdigest()[:16]
    path = cache / f"{prefix}-{key}.npy" if cache is not None else None
    if path is not None and path.is_file():
        return np.load(path)
    matrix = np.asarray(
        encoder.encode(texts, batch_size=batch_size, progress=len(texts) > 2000, desc=desc), dtype=np.float32
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")  # serve workers may embed at once
        np.save(tmp, matrix)
        tmp.replace(path)
    return matrix


class NameEncoder:
    """Short names -> unit-length embeddings (float32), batched by length; the weights in bf16 on
    CPUs that have it (fp16 on a GPU). bf16 weights rather than bf16 autocast: autocast casts every
    weight on every call, which cost a third of the time of encoding a hundred names here, and the
    embeddings agree to a cosine of 0.9999 (BENCHMARKS.md). ``fp32``: float32 weights on every
    CPU, for a result that must not depend on the CPU (a score compared with a fixed threshold to
    build the graph: bf16 moved one of Synthea's symptoms across it)."""

    def __init__(
        self, name: str = DEFAULT_ENCODER, *, device: str = "auto", max_length: int = 32, fp32: bool = False
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from kg.encoders import cpu_bf16_supported, pick_device, resolve_encoder

        self.name, self.fp32 = name, fp32
        path = resolve_encoder(name)
        self.device = pick_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        dtype = (
            torch.float32
            if fp32
            else torch.float16
            if self.device == "cuda"
            else torch.bfloat16
            if cpu_bf16_supported()
            else torch.float32
        )
        self.model = AutoModel.from_pretrained(path).to(self.device, dtype=dtype).eval()
        self.max_length = max_length

    @property
    def dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False, desc: str = "names"
    ) -> np.ndarray:
        import torch
        from tqdm.auto import tqdm

        # Tokenized once: texts with the same tokens (vocabularies repeat names; the tokenizer
        # may lowercase) are embedded once, and batches are of the same token length, so next to no
        # padding (a quarter fewer positions than batches by characters for the disease names).
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ids = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]
        first: dict[tuple[int, ...], int] = {}
        which = np.array([first.setdefault(tuple(row), len(first)) for row in ids], dtype=np.int64)
        unique = list(first)
        vectors = np.zeros((len(unique), self.dimension), dtype=np.float32)
        order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
        starts = range(0, len(unique), batch_size)
        with torch.inference_mode():
            for s in tqdm(starts, desc=f"embedding {desc}", unit="batch", disable=not progress):
                rows = order[s : s + batch_size]
                enc = self.tokenizer.pad({"input_ids": [list(unique[i]) for i in rows]}, return_tensors="pt")
                enc = enc.to(self.device)
                hidden = self.model(**enc).last_hidden_state
                vectors[rows] = mean_pool(hidden, enc["attention_mask"]).cpu().numpy()
        return vectors[which]


# Words a mention adds to a vocabulary name ("X deficiency", "X tumor"): one of the three ways the
# distillation varies names, so that the query encoder has seen mention-like strings.
_HEAD_WORDS = ("disease", "syndrome", "deficiency", "tumor", "disorder", "cancer", "type ii", "familial")


class StaticQueryEncoder:
    """A query-side encoder distilled from a ``NameEncoder``: one vector per WordPiece token,
    summed over a string's tokens, then a linear map with a residual two-layer MLP, trained so
    that a string lands where the full encoder puts it (cosine), over the vocabulary's own names
    and variants of them. Names stay embedded by the full encoder; only mentions go through this
    one, which costs a table lookup and two small matrix products instead of six transformer
    layers (Model2Vec's static-token idea, fitted to the teacher's space instead of replacing
    it). BENCHMARKS.md compares both on dev.

    Pickled inside the term index; the tokenizer is the teacher's, loaded on first use.
    """

    def __init__(self, teacher: str, vectors: np.ndarray, head: dict[str, np.ndarray]) -> None:
        self.name = teacher  # the index's names were embedded by this encoder
        self.vectors = vectors.astype(np.float16)  # vocabulary x dimension
        self.head = {k: v.astype(np.float32) for k, v in head.items()}  # _Head's state
        self._tokenizer: Any = None
        self._modules: tuple[Any, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_tokenizer": None, "_modules": None}

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def load(self) -> StaticQueryEncoder:
        """The teacher's tokenizer and the float32 modules, now rather than on the first mention."""
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            from kg.encoders import resolve_encoder

            self._tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(self.name))
        if self._modules is None:
            import torch

            head = _head(self.dimension)
            head.load_state_dict({k: torch.from_numpy(v) for k, v in self.head.items()})
            self._modules = (torch.from_numpy(self.vectors.astype(np.float32)), head.eval())
        return self

    def encode(self, texts: Sequence[str], **_: Any) -> np.ndarray:
        import torch

        self.load()
        assert self._modules is not None
        vectors, head = self._modules
        flat, offsets = _bags(self._tokenizer, texts)
        with torch.inference_mode():
            summed = torch.nn.functional.embedding_bag(flat, vectors, offsets, mode="sum")
            return torch.nn.functional.normalize(head(summed), dim=-1).numpy()


def _head(dimension: int) -> Any:
    """The map after the token sum: linear (identity at the start), plus a residual MLP (zero at
    the start), so that distillation starts from the plain sum of the tokens' own embeddings."""
    import torch
    from torch import nn

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(dimension, dimension)
            self.up = nn.Linear(dimension, 2 * dimension)
            self.down = nn.Linear(2 * dimension, dimension)
            nn.init.eye_(self.linear.weight)
            nn.init.zeros_(self.linear.bias)
            nn.init.zeros_(self.down.weight)
            nn.init.zeros_(self.down.bias)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.linear(x)
            return x + self.down(nn.functional.gelu(self.up(x)))

    return Head()


def _bags(tokenizer: Any, texts: Sequence[str], max_tokens: int = 32) -> tuple[Any, Any]:
    """Token ids of ``texts`` flattened, with each text's offset (EmbeddingBag's input)."""
    import torch

    ids = [
        row[:max_tokens] or [tokenizer.unk_token_id]
        for row in tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    ]
    offsets = np.zeros(len(ids), dtype=np.int64)
    if len(ids) > 1:
        offsets[1:] = np.cumsum([len(r) for r in ids[:-1]])
    return torch.tensor([i for r in ids for i in r], dtype=torch.long), torch.from_numpy(offsets)


def distill_query_encoder(
    teacher: NameEncoder,
    names: Sequence[str],
    embedded: np.ndarray,
    *,
    variants: int = 20_000,
    epochs: int = 8,
    seed: int = 13,
    progress: bool = False,
) -> StaticQueryEncoder:
    """Fit a ``StaticQueryEncoder`` to ``teacher`` on ``names`` (with their ``embedded`` vectors)
    and up to ``variants`` teacher-embedded variants of multi-word names (a word dropped, the
    words shuffled, a head word added). Each token's vector starts as the teacher's embedding of
    the token alone; sparse updates (only the tokens of a batch) keep an epoch to a few seconds.
    About a minute for the 59,000 disease names on two CPU cores, most of it the teacher. 20,000
    variants and 8 epochs instead of 40,000 and 12 (session 49): the same disease accuracy@1 on
    BC5CDR, NCBI-disease and BioRED dev within the run-to-run noise, 44% less time."""
    import math
    import random

    import torch
    from tqdm.auto import tqdm

    rng = random.Random(seed)
    torch.manual_seed(seed)
    tokenizer = teacher.tokenizer
    multi = [n for n in names if len(n.split()) >= 2]
    made: set[str] = set()
    for name in rng.sample(multi, min(variants, len(multi))):
        words = name.split()
        kind = rng.random()
        if kind < 0.4:
            del words[rng.randrange(len(words))]
        elif kind < 0.7:
            rng.shuffle(words)
        else:
            words.append(rng.choice(_HEAD_WORDS))
        made.add(" ".join(words))
    extra = sorted(made - set(names))
    texts = [*names, *extra]
    targets = torch.from_numpy(
        np.vstack([embedded.astype(np.float32), teacher.encode(extra, progress=progress, desc="name variants")])
    )
    mix = list(range(len(texts)))
    rng.shuffle(mix)  # batches of names and variants alike, fixed once
    texts = [texts[i] for i in mix]
    targets = targets[mix]
    vocab = [t.removeprefix("##") for t in tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))]
    start = torch.from_numpy(teacher.encode(vocab, batch_size=256, progress=progress, desc="tokens"))
    bag = torch.nn.EmbeddingBag(len(vocab), start.shape[1], mode="sum", sparse=True)
    bag.weight.data.copy_(start)
    head = _head(start.shape[1])
    batch = 256
    steps = epochs * math.ceil(len(texts) / batch)
    optimizers = [
        torch.optim.SparseAdam(list(bag.parameters()), lr=3e-3),
        torch.optim.Adam(list(head.parameters()), lr=3e-3),
    ]
    schedules = [torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=steps) for o in optimizers]
    bags = [_bags(tokenizer, texts[k : k + batch]) for k in range(0, len(texts), batch)]
    order = list(range(len(bags)))
    for _ in tqdm(range(epochs), desc="distilling the query encoder", unit="epoch", disable=not progress):
        rng.shuffle(order)
        for b in order:
            flat, offsets = bags[b]
            out = torch.nn.functional.normalize(head(bag(flat, offsets)), dim=-1)
            loss = (1 - (out * targets[b * batch : (b + 1) * batch]).sum(-1)).mean()
            for o in optimizers:
                o.zero_grad()
            loss.backward()
            for o, sch in zip(optimizers, schedules, strict=True):
                o.step()
                sch.step()
    return StaticQueryEncoder(
        teacher.name, bag.weight.detach().numpy(), {k: v.detach().numpy() for k, v in head.state_dict().items()}
    )
