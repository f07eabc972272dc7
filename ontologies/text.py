"""String normalization for matching names: case, punctuation, Greek letters, plurals, word order."""

from __future__ import annotations

import re
from functools import lru_cache

GREEK_LETTERS = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "τ": "tau",
    "φ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_KEEP_S = ("ss", "us", "is", "ys", "as", "os")
# British spellings the "ae"/"oe" rule does not reach: "tumour", "colour", "odour" end in "or" ("hour",
# "four", "flour" and their like stay); "sulphate" is "sulfate", "aluminium" "aluminum".
_OUR_STAYS = frozenset({"flour", "scour", "detour", "devour", "velour", "contour", "paramour"})
_SPELLED = {"aluminium": "aluminum"}


def _singular(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(_KEEP_S):
        return token[:-1]
    return token


def uninvert(name: str) -> str:
    """MeSH-style inverted names read naturally: "Carcinoma, Hepatocellular" -> "Hepatocellular Carcinoma"."""
    parts = name.split(", ")
    if len(parts) == 2 and "," not in parts[1] and len(parts[1].split()) <= 3:
        return f"{parts[1]} {parts[0]}"
    return name


@lru_cache(maxsize=200_000)
def normalize(text: str) -> str:
    """The matching form of a name.

    >>> normalize("Seizures, Febrile"), normalize("β-Blockers")
    ('febrile seizure', 'beta blocker')
    """
    text = uninvert(text.strip()).lower()
    for g, word in GREEK_LETTERS.items():
        if g in text:
            text = text.replace(g, f" {word} ")
    text = text.replace("'s ", " ").replace("ae", "e").replace("oe", "e")  # anaemia, oedema
    tokens = [_american(_singular(t)) for t in _NON_WORD.split(text) if t]
    return " ".join(tokens)


def _american(token: str) -> str:
    """One token's American spelling where the British one differs by more than "ae"/"oe"."""
    if len(token) > 4 and token.endswith("our") and token not in _OUR_STAYS:
        return token[:-3] + "or"
    if "sulph" in token:
        token = token.replace("sulph", "sulf")
    return _SPELLED.get(token, token)


def sorted_key(text: str) -> str:
    """Word order ignored: "cancer of the breast" and "breast cancer of the" meet here."""
    return " ".join(sorted(normalize(text).split()))
