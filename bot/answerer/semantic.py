"""Sentence-embedding search over section chunks, with the vectors cached per corpus version.

A section's semantic score is the cosine similarity of the question to its closest
chunk (vectors are unit length, so a dot product). Embedding a corpus takes seconds;
the vectors are saved under the cache directory, keyed by the model, the pipeline and the
exact chunk texts (so by the corpus version and the chunking), and read back on the next
start in milliseconds. An unreadable or stale cache file is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.answerer.chunks import Chunk, chunk_sections
from bot.answerer.embedding import DIMENSION, MODEL, PIPELINE, Embedder
from bot.policy.cache import write_atomically
from bot.policy.models import Section

log = logging.getLogger(__name__)


def cache_key(chunks: Sequence[Chunk]) -> str:
    digest = hashlib.sha256(f"{MODEL.sha256}/{PIPELINE}".encode())
    for chunk in chunks:
        digest.update(f"\0{chunk.section}\0{chunk.text}".encode())
    return digest.hexdigest()[:24]


class SemanticIndex:
    def __init__(self, sections: Sequence[Section], embedder: Embedder, *, version: str = "",
                 cache: Path | None = None) -> None:
        self.embedder = embedder
        self.size = len(sections)
        self.chunks = chunk_sections(sections)
        self.owner = np.array([c.section for c in self.chunks], dtype=np.int64)
        self.cache_path: Path | None = None
        if cache is not None:
            name = f"{version[:12] or 'sections'}-{cache_key(self.chunks)}.npy"
            self.cache_path = cache / "embeddings" / embedder.model_id / name
        cached = self._load() if self.cache_path else None
        self.from_cache = cached is not None
        self.vectors: np.ndarray = cached if cached is not None else embedder.embed([c.text for c in self.chunks])
        if cached is None:
            self._save()

    def _load(self) -> np.ndarray | None:
        assert self.cache_path is not None
        return _load_vectors(self.cache_path, len(self.chunks))

    def _save(self) -> None:
        if self.cache_path is not None:
            _save_vectors(self.cache_path, self.vectors)

    def search(self, question: str) -> Closeness:
        vector = self.embedder.embed_one(question)
        return Closeness(self, self.vectors @ vector, vector)


class Closeness:
    """How close one question is to every chunk, and so to every section."""

    def __init__(self, index: SemanticIndex, chunk_scores: np.ndarray, vector: np.ndarray | None = None) -> None:
        self.index = index
        self.vector = vector   # the question's own embedding
        self.chunk_scores = chunk_scores
        # Per section, the cosine similarity of its closest chunk.
        self.sections = np.full(index.size, -1.0, dtype=np.float32)
        np.maximum.at(self.sections, index.owner, chunk_scores)

    def best_chunk(self, section: int) -> str:
        """The text of the section's chunk closest to the question."""
        mine = np.flatnonzero(self.index.owner == section)
        return self.index.chunks[int(mine[np.argmax(self.chunk_scores[mine])])].text if len(mine) else ""


def embed_texts(embedder: Embedder, texts: Sequence[str], cache: Path | None, name: str) -> np.ndarray:
    """Fixed texts (not a corpus) embedded once, cached like a corpus's chunks."""
    digest = hashlib.sha256(f"{MODEL.sha256}/{PIPELINE}".encode())
    for text in texts:
        digest.update(f"\0{text}".encode())
    path = cache / "embeddings" / embedder.model_id / f"{name}-{digest.hexdigest()[:24]}.npy" if cache else None
    vectors = _load_vectors(path, len(texts)) if path else None
    if vectors is None:
        vectors = embedder.embed(list(texts)) if texts else np.zeros((0, DIMENSION), dtype=np.float32)
        if path:
            _save_vectors(path, vectors)
    return vectors


def _load_vectors(path: Path, rows: int) -> np.ndarray | None:
    try:
        vectors = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError) as exc:
        log.info("embedding cache %s unreadable (%s); rebuilding it", path, exc)
        return None
    if vectors.shape != (rows, DIMENSION) or vectors.dtype != np.float32:
        return None
    return vectors


def _save_vectors(path: Path, vectors: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, vectors, allow_pickle=False)
    if not write_atomically(path, buffer.getvalue()):
        log.warning("cannot write the embedding cache in %s; it will be rebuilt at the next start", path.parent)
