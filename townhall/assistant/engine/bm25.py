"""Okapi BM25 over small collections (hundreds of documents), in NumPy.

The lexical half of the assistant's scoring, and all of it when no embedding model is
installed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class BM25:
    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}
        counts = [Counter(doc) for doc in documents]
        for doc in counts:
            for term in doc:
                self.vocabulary.setdefault(term, len(self.vocabulary))
        n_docs, n_terms = len(documents), len(self.vocabulary)
        tf = np.zeros((max(n_docs, 1), max(n_terms, 1)), dtype=np.float32)
        for i, doc in enumerate(counts):
            for term, count in doc.items():
                tf[i, self.vocabulary[term]] = count
        lengths = tf.sum(axis=1)
        average = float(lengths.mean()) if n_docs else 0.0
        df = (tf > 0).sum(axis=0)
        self.idf = np.array(
            [math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) for d in df], dtype=np.float32
        )
        norm = k1 * (1 - b + b * lengths / max(average, 1e-9))
        # Term weights precomputed per document: a query is then a sum of columns.
        self.weights = (tf * (k1 + 1) / (tf + norm[:, None])) * self.idf[None, :]
        self.n_docs = n_docs

    def scores(self, query: Sequence[str]) -> np.ndarray:
        columns = [self.vocabulary[t] for t in set(query) if t in self.vocabulary]
        if not columns or not self.n_docs:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.weights[: self.n_docs, columns].sum(axis=1), dtype=np.float32)

    def coverage(self, query: Sequence[str]) -> np.ndarray:
        """Scores divided by what a document holding every query term once would score:
        about 0..1 whatever the query's length or the collection's size. A term no document
        has counts as the rarest term, so unknown words lower the coverage."""
        terms = set(query)
        if not terms or not self.n_docs:
            return np.zeros(self.n_docs, dtype=np.float32)
        top = float(self.idf.max()) if len(self.idf) else 1.0
        full = sum(
            float(self.idf[self.vocabulary[q]]) if q in self.vocabulary else top for q in terms
        )
        return np.minimum(self.scores(query) / max(full, 1e-9), 1.0)
