"""Common diseases' symptoms from Synthea's disease modules (issue 20).

A patient of general practice says "I am always tired and cold, I have gained weight"; the graph's
hypothyroidism had two phenotypes of its own (its MeSH definition's edema, and "Hypothyroidism"),
and its subtypes' dry skin and short stature: nothing a patient says. Synthea (MITRE's synthetic
patient generator, Apache 2.0) models about 30 common diseases as state machines written from
clinical guidelines and the literature, and its ``Symptom`` states name what each disease makes a patient
feel: hypothyroidism fatigue, cold intolerance, decreased appetite and weight gain; a urinary tract
infection dysuria, urgency, frequency and suprapubic pain; gout joint pain, redness and swelling.

``fetch_synthea`` downloads Synthea's jar from Maven Central once (``org.mitre.synthea:synthea``,
21 MB, its sha256 pinned), reads the modules of ``MODULES`` in it and writes their symptoms as
``SYMPTOMS_FILE`` (``module<TAB>disease<TAB>name<TAB>symptom``). Only the Python standard library
reads it. ``wiring.diagnosis.load_synthea_into`` maps the symptoms to HPO (the lay-phrase reader a
patient's words go through) and loads them as disease -> phenotype edges of source ``SOURCE``.

Which disease a module's symptoms are about is this module's table, ``MODULES`` (Synthea names its
conditions in SNOMED CT, which no vocabulary here maps to MeSH): each module by the MeSH descriptor
of the disease its symptoms belong to. Left out: ``prescribing_opioids_for_chronic_pain_and_
treatment_of_oud`` and ``veteran_lung_cancer`` (the same symptoms as ``opioid_addiction`` and
``lung_cancer``), ``veteran_hyperlipidemia`` (its only "symptom", weight gain, is a risk factor).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import OntologyError
from ontologies.wheels import gzip_text

log = logging.getLogger(__name__)

VERSION = "3.3.0"
JAR_PATH = f"org/mitre/synthea/synthea/{VERSION}/synthea-{VERSION}.jar"
JAR_SHA256 = "4716d5140c0c69fb8bfca0790aac56e32c11d3bb2647d380fbfbd1117a735c73"
MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
SYMPTOMS_FILE = f"synthea-{VERSION}-symptoms.tsv.gz"
HEADER = "module\tdisease\tname\tsymptom"
# The source of the disease -> phenotype edges (``kg.types.PhenotypeAnnotation.source``).
SOURCE = "Synthea"

# Module (its path under modules/, without .json) -> the MeSH descriptors of the disease its symptoms
# are about (``Symptom`` states name no condition, except gallstones', caused by acute cholecystitis).
MODULES: dict[str, tuple[tuple[str, str], ...]] = {
    "allergic_rhinitis": (("MESH:D065631", "Rhinitis, Allergic"),),
    "anemia___unknown_etiology": (("MESH:D000740", "Anemia"),),
    "appendicitis": (("MESH:D001064", "Appendicitis"),),
    "asthma": (("MESH:D001249", "Asthma"),),
    "attention_deficit_disorder": (("MESH:D001289", "Attention Deficit Disorder with Hyperactivity"),),
    "breast_cancer": (("MESH:D001943", "Breast Neoplasms"),),
    "bronchitis": (("MESH:D001991", "Bronchitis"),),
    "chronic_kidney_disease": (("MESH:D051436", "Renal Insufficiency, Chronic"),),
    "colorectal_cancer": (("MESH:D015179", "Colorectal Neoplasms"),),
    "congestive_heart_failure": (("MESH:D006333", "Heart Failure"),),
    "copd": (("MESH:D029424", "Pulmonary Disease, Chronic Obstructive"),),
    "covid19/symptoms": (("MESH:D000086382", "COVID-19"),),
    "cystic_fibrosis": (("MESH:D003550", "Cystic Fibrosis"),),
    "dementia": (("MESH:D000544", "Alzheimer Disease"),),
    "dermatitis": (("MESH:D003876", "Dermatitis, Atopic"), ("MESH:D003877", "Dermatitis, Contact")),
    "fibromyalgia": (("MESH:D005356", "Fibromyalgia"),),
    "gallstones": (("MESH:D041881", "Cholecystitis, Acute"),),
    "gout": (("MESH:D006073", "Gout"),),
    "hypothyroidism": (("MESH:D007037", "Hypothyroidism"),),
    "lung_cancer": (("MESH:D008175", "Lung Neoplasms"),),
    "lupus": (("MESH:D008180", "Lupus Erythematosus, Systemic"),),
    "metabolic_syndrome_disease": (("MESH:D003924", "Diabetes Mellitus, Type 2"),),  # its eye and nerve damage
    "opioid_addiction": (("MESH:D009293", "Opioid-Related Disorders"),),
    "osteoarthritis": (("MESH:D010003", "Osteoarthritis"),),
    "osteoporosis": (("MESH:D010024", "Osteoporosis"),),
    "rheumatoid_arthritis": (("MESH:D001172", "Arthritis, Rheumatoid"),),
    "sinusitis": (("MESH:D012852", "Sinusitis"),),
    "sleep_apnea": (("MESH:D020181", "Sleep Apnea, Obstructive"),),
    "sore_throat": (("MESH:D010612", "Pharyngitis"),),
    "stable_ischemic_heart_disease": (("MESH:D017202", "Myocardial Ischemia"),),
    "uti/hpi": (("MESH:D014552", "Urinary Tract Infections"),),
    "veteran_prostate_cancer": (("MESH:D011471", "Prostatic Neoplasms"),),
}


@dataclass(frozen=True, slots=True)
class SyntheaSymptom:
    module: str
    disease: str  # a MeSH CURIE
    name: str  # the descriptor's name
    symptom: str  # as Synthea writes it ("Nausea/Vomiting", "Dyspnea (finding)")


def module_symptoms(module: dict[str, Any]) -> list[str]:
    """The symptoms a Synthea module's ``Symptom`` states give a patient, sorted, each once; a state
    that ends one (a quantity or an upper bound of 0) gives none."""
    found: set[str] = set()
    for state in module.get("states", {}).values():
        if state.get("type") != "Symptom" or not str(state.get("symptom") or "").strip():
            continue
        amount = state.get("range") or state.get("exact") or {}
        if amount.get("quantity", 1) == 0 or amount.get("high", 1) == 0:
            continue
        found.add(" ".join(str(state["symptom"]).split()))
    return sorted(found)


_SLASHED = re.compile(r"(\w+)/(\w+)")
_KIND = re.compile(r"\s*\((?:finding|disorder)\)\s*$")


def symptom_phrases(symptom: str) -> list[str]:
    """The phrases a Synthea symptom stands for: SNOMED's "(finding)" dropped, underscores as
    spaces, and a pair of words joined by a slash read as either ("Nausea/Vomiting" -> nausea,
    vomiting; "Runny/Stuffy Nose" -> runny nose, stuffy nose)."""
    text = _KIND.sub("", symptom).replace("_", " ").strip()
    pair = _SLASHED.search(text)
    if pair is None:
        return [text] if text else []
    head, tail = text[: pair.start()], text[pair.end() :]
    return [f"{head}{pair.group(1)}{tail}", f"{head}{pair.group(2)}{tail}"]


def write_symptoms(jar: Path, out: Path) -> int:
    """Write the symptoms of ``MODULES`` in Synthea's ``jar`` to ``out`` (gzipped ``HEADER`` rows,
    no name or time in the gzip header: the same bytes on every machine); how many rows."""
    rows: list[str] = []
    try:
        with zipfile.ZipFile(jar) as z:
            for module, diseases in MODULES.items():
                symptoms = module_symptoms(json.loads(z.read(f"modules/{module}.json")))
                rows += [f"{module}\t{curie}\t{name}\t{s}" for curie, name in diseases for s in symptoms]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise OntologyError(f"{jar}: not Synthea {VERSION}'s jar with its modules ({exc})") from exc
    with gzip_text(out) as f:
        f.write("\n".join([HEADER, *rows]) + "\n")
    return len(rows)


def fetch_synthea(dest: Path, repository: str = MAVEN_CENTRAL) -> Path:
    """``dest`` (``SYMPTOMS_FILE``), written first when missing from Synthea's jar, downloaded from
    the Maven ``repository`` (Maven Central; any mirror of it) through the environment's proxy
    settings and checked against its pinned sha256. Raises ``OntologyError`` with what to do when
    that is not possible."""
    if dest.is_file():
        return dest
    url = f"{repository.rstrip('/')}/{JAR_PATH}"
    instead = (
        f"common diseases then lack Synthea's symptoms (MEDKG_SYNTHEA=false: without them and without this "
        f"warning; MEDKG_MAVEN_REPOSITORY names a mirror of Maven Central; or put a {dest.name} written on "
        f"another machine at {dest})"
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        jar = Path(tmp) / Path(JAR_PATH).name
        log.info("fetching Synthea's disease modules (%s, 21 MB, once)", url)
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(url, timeout=60) as response, jar.open("wb") as f:
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
                    f.write(chunk)
        except (OSError, urllib.error.URLError) as exc:
            raise OntologyError(f"cannot download {url} ({exc}); {instead}") from exc
        if digest.hexdigest() != JAR_SHA256:
            raise OntologyError(f"{url}: sha256 {digest.hexdigest()}, not Synthea {VERSION}'s {JAR_SHA256}; {instead}")
        part = Path(tmp) / dest.name
        count = write_symptoms(jar, part)
        part.replace(dest)
    log.info("Synthea: %d disease -> symptom rows -> %s", count, dest)
    return dest


def read_symptoms(path: Path) -> Iterator[SyntheaSymptom]:
    """The rows of a file ``write_symptoms`` wrote."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            if f.readline().rstrip("\n") != HEADER:
                raise OntologyError(f"{path}: not a Synthea symptom file (its first line is not {HEADER!r})")
            for n, line in enumerate(f, start=2):
                fields = line.rstrip("\n").split("\t")
                if len(fields) != 4:
                    raise OntologyError(f"{path}, line {n}: {len(fields)} fields, not 4 ({HEADER!r})")
                yield SyntheaSymptom(*fields)
    except (OSError, EOFError) as exc:
        raise OntologyError(f"cannot read {path} ({exc}); delete it and load HPO again to fetch it anew") from exc
