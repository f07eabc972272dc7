"""Dense name embeddings for the normalizer's fallback: mentions that match no name exactly are
ranked by the cosine of their sentence embedding with every name of the type, blended with the
character 3-gram TF-IDF cosine (``Normalizer(dense_weight=...)``).

The encoder is the offline all-MiniLM-L6-v2 by default (mean pooling, unit length, as
sentence-transformers uses it); any Hugging Face id or local folder works (a biomedical entity
encoder such as SapBERT when a user has one). Measured on BC5CDR and NCBI-disease dev in
BENCHMARKS.md: the general-purpose encoder already maps "renal impairment" near "renal
insufficiency" and "liver tumors" near "liver neoplasms", which no 3-gram overlap does.

>>> encoder = NameEncoder()  # doctest: +SKIP
>>> encoder.encode(["renal impairment", "renal insufficiency"]).shape  # doctest: +SKIP
(2, 384)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT_ENCODER = "all-minilm-l6-v2"
# The types whose names are embedded: diseases gain 2.8 points of accuracy@1 on BC5CDR dev;
# chemicals (names like "5-FU" or "cis-platinum", where 3-grams already work) 0.3 at a third of
# the speed, so they stay on TF-IDF (BENCHMARKS.md).
DENSE_CATEGORIES = ("Disease",)


class NameEncoder:
    """Short names -> unit-length embeddings (float32), batched by length; the weights in bf16 on
    CPUs that have it (fp16 on a GPU). bf16 weights rather than bf16 autocast: autocast casts every
    weight on every call, which cost a third of the time of encoding a hundred names here, and the
    embeddings agree to a cosine of 0.9999 (BENCHMARKS.md)."""

    def __init__(self, name: str = DEFAULT_ENCODER, *, device: str = "auto", max_length: int = 32) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from extractors.models import cpu_bf16_supported, pick_device, resolve_encoder

        self.name = name
        path = resolve_encoder(name)
        self.device = pick_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        dtype = torch.float16 if self.device == "cuda" else torch.bfloat16 if cpu_bf16_supported() else torch.float32
        self.model = AutoModel.from_pretrained(path).to(self.device, dtype=dtype).eval()
        self.max_length = max_length

    @property
    def dimension(self) -> int:
        return int(self.model.config.hidden_size)

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False, desc: str = "names") -> np.ndarray:
        import torch
        from tqdm.auto import tqdm

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths share a batch
        starts = range(0, len(texts), batch_size)
        with torch.inference_mode():
            for s in tqdm(starts, desc=f"embedding {desc}", unit="batch", disable=not progress):
                rows = order[s : s + batch_size]
                enc = self.tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt").to(self.device)
                hidden = self.model(**enc).last_hidden_state.float()
                mask = enc["attention_mask"].unsqueeze(-1).float()
                pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=-1)
                out[rows] = pooled.cpu().numpy()
        return out
