"""Case data: simulated patients from HPO annotations, and users' own CSV cases.

The simulator follows the classic recipe for benchmarking phenotype-driven diagnosis (Köhler et
al. 2009): for a disease, keep each annotated phenotype with its annotated frequency; add
*imprecision* by replacing some with a parent term and *noise* by adding phenotypes the disease
is not annotated with; render the result as a short case text from HPO labels and synonyms. All
randomness comes from one seed. ``split_cases`` holds out whole diseases (unseen in training) and
splits the cases of the others by case.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from diagnosis.configs import SimulationConfig
from diagnosis.graph import UNINFORMATIVE, DiseaseGraph
from kg.errors import InputError
from ontologies.terms import Term

UNKNOWN_FREQUENCY = 0.5  # HPO leaves frequency blank when the source does not state it


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    text: str
    label: str  # the disease CURIE
    phenotypes: tuple[str, ...] = ()  # what the simulator put in (empty for user cases)
    noise: tuple[str, ...] = field(default=())


@dataclass
class CaseSplits:
    train: list[Case]
    dev: list[Case]
    test_seen: list[Case]
    test_unseen: list[Case]
    unseen_diseases: list[str]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("train", "dev", "test_seen", "test_unseen"):
            with (folder / f"{name}.jsonl").open("w") as f:
                for c in getattr(self, name):
                    f.write(json.dumps(asdict(c)) + "\n")
        (folder / "unseen_diseases.json").write_text(json.dumps(self.unseen_diseases))

    @classmethod
    def load(cls, folder: Path) -> CaseSplits:
        def read(name: str) -> list[Case]:
            rows = [json.loads(line) for line in (folder / f"{name}.jsonl").read_text().splitlines() if line]
            return [Case(r["case_id"], r["text"], r["label"], tuple(r["phenotypes"]), tuple(r["noise"])) for r in rows]

        return cls(
            read("train"),
            read("dev"),
            read("test_seen"),
            read("test_unseen"),
            json.loads((folder / "unseen_diseases.json").read_text()),
        )


class PatientSimulator:
    """Draws cases of a disease from its HPO annotations; renders them with ``terms``' labels and
    synonyms (the hp.obo terms)."""

    def __init__(self, graph: DiseaseGraph, terms: Iterable[Term], config: SimulationConfig | None = None) -> None:
        self.graph = graph
        self.config = config or SimulationConfig()
        self.surface = {t.curie: [t.name, *sorted(t.synonyms)] for t in terms if t.name}
        # Noise is drawn like a real comorbid finding: phenotypes in proportion to how many
        # diseases carry them, so common findings are common noise.
        self._pool = [
            a.phenotype
            for anns in graph.annotations.values()
            for a in anns
            if a.phenotype in self.surface and a.source == "HPO"
        ]

    def eligible(self) -> list[str]:
        """Diseases with enough HPO annotations. DOID's symptom lists (no frequencies, a few
        symptoms each) are candidates to rank, not diseases to simulate patients of."""
        c = self.config
        return [
            d
            for d in self.graph.diseases
            if sum(a.phenotype in self.surface and a.source == "HPO" for a in self.graph.annotations[d])
            >= c.min_annotations
        ]

    def simulate(self, disease: str, rng: random.Random, case_id: str) -> Case:
        c = self.config
        anns = [
            a
            for a in self.graph.annotations[disease]
            if a.phenotype in self.surface and a.phenotype not in UNINFORMATIVE
        ]
        chosen = [
            a.phenotype for a in anns if rng.random() < (UNKNOWN_FREQUENCY if a.frequency is None else a.frequency)
        ]
        rest = [a for a in anns if a.phenotype not in chosen]
        rng.shuffle(rest)
        rest.sort(key=lambda a: -(UNKNOWN_FREQUENCY if a.frequency is None else a.frequency))
        while len(chosen) < c.min_phenotypes and rest:
            chosen.append(rest.pop(0).phenotype)
        rng.shuffle(chosen)
        chosen = chosen[: c.max_phenotypes]
        shown = [self._imprecise(p, rng) for p in chosen]
        # Noise must be unrelated: not an annotation, nor an ancestor or descendant of one.
        annotated = {a.phenotype for a in self.graph.annotations[disease]}
        related = annotated.union(*(self.graph.ancestors(a) for a in annotated))
        noise: list[str] = []
        for _ in range(self._poisson(c.noise, rng)):
            p = rng.choice(self._pool)
            if p not in related and not self.graph.ancestors(p) & annotated and p not in noise:
                noise.append(p)
        findings = shown + noise
        rng.shuffle(findings)
        return Case(case_id, self.render(findings, rng), disease, tuple(shown), tuple(noise))

    def _imprecise(self, phenotype: str, rng: random.Random) -> str:
        if rng.random() >= self.config.imprecision:
            return phenotype
        parents = [
            p
            for p in self.graph.parents.get(phenotype, ())
            if p in self.surface and p not in UNINFORMATIVE and self.graph.information_content(p) > 1.0
        ]
        return rng.choice(parents) if parents else phenotype

    @staticmethod
    def _poisson(mean: float, rng: random.Random) -> int:
        n, p, limit = 0, 1.0, 2.718281828459045**-mean
        while True:
            p *= rng.random()
            if p <= limit:
                return n
            n += 1

    def render(self, phenotypes: Sequence[str], rng: random.Random) -> str:
        names = [_lower_first(rng.choice(self.surface[p])) for p in phenotypes]
        years = rng.choice([0, rng.randint(1, 17), rng.randint(18, 70)])
        age = f"{rng.randint(2, 11)}-month-old" if years == 0 else f"{years}-year-old"
        sex = rng.choice([0, 1])
        who = (("boy", "girl") if years < 18 else ("man", "woman"))[sex] if rng.random() < 0.8 else "patient"
        head, tail = names[: max(1, (len(names) + 1) // 2)], names[max(1, (len(names) + 1) // 2) :]
        text = f"A {age} {who} presents with {_join(head)}."
        if tail:
            text += (
                " "
                + rng.choice(
                    ["Examination also shows", "Further findings include", "The workup reveals", "Also noted are"]
                )
                + f" {_join(tail)}."
            )
        return text

    def splits(self) -> CaseSplits:
        """Draw the diseases, hold some out, simulate and split the cases (all from one seed)."""
        c = self.config
        rng = random.Random(c.seed)
        diseases = self.eligible()
        rng.shuffle(diseases)
        diseases = sorted(diseases[: c.diseases])
        rng.shuffle(diseases)
        n_unseen = round(len(diseases) * c.unseen_fraction)
        unseen, seen = sorted(diseases[:n_unseen]), sorted(diseases[n_unseen:])
        out = CaseSplits([], [], [], [], unseen)
        for d in seen:
            cases = [self.simulate(d, rng, f"{d}#{i}") for i in range(c.cases_per_disease)]
            n_test, n_dev = c.test_cases, c.dev_cases
            out.test_seen += cases[:n_test]
            out.dev += cases[n_test : n_test + n_dev]
            out.train += cases[n_test + n_dev :]
        for d in unseen:
            out.test_unseen += [self.simulate(d, rng, f"{d}#{i}") for i in range(max(1, c.test_cases))]
        return out


def _lower_first(name: str) -> str:
    # "Seizure" -> "seizure", but keep acronyms and gene-like tokens ("EEG abnormality").
    return name[0].lower() + name[1:] if len(name) > 1 and not name[1].isupper() else name


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def read_cases_csv(
    path: Path, mapping: Path | None = None, *, text_column: str = "text", label_column: str = "label"
) -> list[Case]:
    """A user's cases: a CSV with a text and a label column. ``mapping`` (a CSV ``label,curie``)
    turns labels into disease CURIEs; without it the labels must already be CURIEs."""
    curies: dict[str, str] = {}
    if mapping is not None:
        with _open_csv(mapping) as rows:
            for row in rows:
                if "label" not in row or "curie" not in row:
                    raise InputError("needs the columns label,curie", source=str(mapping), record="header")
                curies[row["label"]] = row["curie"].strip()
    cases = []
    with _open_csv(path) as rows:
        for i, row in enumerate(rows, 2):
            if text_column not in row or label_column not in row:
                raise InputError(f"needs the columns {text_column},{label_column}", source=str(path), record="header")
            text, label = (row[text_column] or "").strip(), (row[label_column] or "").strip()
            if not text:
                raise InputError("empty text", source=str(path), record=i)
            curie = curies.get(label, label if mapping is None else "")
            if ":" not in curie:
                raise InputError(f"label {label!r} is not a CURIE and not in the mapping", source=str(path), record=i)
            cases.append(Case(f"{path.name}:{i}", text, curie))
    return cases


class _open_csv:
    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InputError("no such file", source=str(path))
        self.f = path.open(newline="", encoding="utf-8")

    def __enter__(self) -> csv.DictReader[str]:
        return csv.DictReader(self.f)

    def __exit__(self, *exc: object) -> None:
        self.f.close()
