"""The ingestion flow end to end under a real (temporary) Prefect, with small real models."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from extractors.ner import label_list
from flows.settings import Settings
from tests.extractors.test_ner import _tiny_model
from tests.extractors.test_relations import _model as _tiny_relations

DATA = Path(__file__).resolve().parents[1] / "data"
pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


@pytest.fixture(scope="module")
def prefect() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    tmp = tmp_path_factory.mktemp("models")
    ner = _tiny_model(tmp, label_list(["Chemical", "Disease"]))
    ner.save(tmp / "ner", {"config": {"max_length": 64, "stride": 4}})
    rm = _tiny_relations(tmp, ["None", "CID"], [("Chemical", "Disease")])
    rm.save(tmp / "re", {"config": {"window": 1, "max_length": 64}})
    return str(tmp / "ner"), str(tmp / "re")


@pytest.fixture(scope="module")
def settings(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("home")
    return Settings(home=home, data_dir=shared_data, neo4j_uri=None, dictionary_corpora=[])


def _citation(pmid: str, abstract: str) -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><Journal><Title>J</Title></Journal>"
        f"<ArticleTitle>Lidocaine and cardiac asystole.</ArticleTitle><Abstract><AbstractText>{abstract}</AbstractText>"
        "</Abstract></Article></MedlineCitation></PubmedArticle>"
    )


def _file(path: Path, *articles: str, deleted: tuple[str, ...] = ()) -> Path:
    deletions = "".join(f"<PMID>{p}</PMID>" for p in deleted)
    path.write_text(f"<PubmedArticleSet>{''.join(articles)}" + (f"<DeleteCitation>{deletions}</DeleteCitation>" if deleted else "") + "</PubmedArticleSet>")
    return path


def test_ingest_flow_is_incremental_updates_and_deletes(prefect: None, models: tuple[str, str], settings: Settings, tmp_path: Path) -> None:
    from flows.ingest import ingest

    ner, re_ = models
    settings = settings.model_copy(update={"store_path": tmp_path / "graph"})
    first = _file(tmp_path / "a.xml", _citation("1", "Lidocaine caused cardiac asystole in a man."), _citation("2", "Breast and ovarian cancers were not seen."))
    result = ingest([str(first), str(DATA / "medline_sample.xml")], ner, re_, batch_size=2, settings=settings)
    assert result["documents_read"] == 4 and result["unchanged"] == 0 and result["deleted"] == 0
    assert set(result["seconds_by_stage"]) >= {"read", "ner", "normalize", "relations", "load"}
    with settings.open_store() as store:
        counts = store.counts()
    again = ingest([str(first), str(DATA / "medline_sample.xml")], ner, re_, batch_size=2, settings=settings)
    assert again["unchanged"] == 4 and again["triples_loaded"] == 0
    with settings.open_store() as store:
        assert store.counts() == counts
    update = _file(tmp_path / "b.xml", _citation("1", "Lidocaine did not cause anything."), deleted=("2",))
    third = ingest([str(update)], ner, re_, settings=settings)
    assert (third["updated"], third["deleted"]) == (1, 1)
    with settings.open_store() as store:
        pmids = {r["pmid"] for r in store.query("MATCH (a:Article) RETURN a.pmid AS pmid")}
        assert pmids == {"1", "100001", "100002"}
        text = store.query("MATCH (a:Article {pmid: '1'}) RETURN a.content_hash AS h")[0]["h"]
    from readers import read_documents

    assert text == next(iter(read_documents(update))).content_hash
