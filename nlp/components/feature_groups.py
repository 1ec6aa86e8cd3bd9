"""The features the project's linear models read: weighted groups of Rasa's
sentence-level features (n-gram counts as sublinear TF-IDF, the sentence
embedding as it is), named by the featurizers' `alias`.

Shared by the intent classifier and the complication detector, which read
the same features: what one learns to weight, the other can too.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.feature_extraction.text import TfidfTransformer


class FeatureGroups:
    """Builds the weighted feature matrix of a list of messages."""

    def __init__(self, weights: Dict[str, float], fitted: Optional[Dict[str, Any]] = None) -> None:
        self.weights = dict(weights)
        fitted = fitted or {}
        self.tfidf: Dict[str, TfidfTransformer] = fitted.get("tfidf", {})
        self.sizes: Dict[str, int] = fitted.get("sizes", {})

    def fitted(self) -> Dict[str, Any]:
        """What `__init__(weights, fitted)` needs to rebuild this after training."""
        return {"tfidf": self.tfidf, "sizes": self.sizes}

    @staticmethod
    def _group(message: Message, alias: str) -> Tuple[Optional[Any], bool]:
        """The sentence-level features a featurizer gave the message, and if sparse."""
        _, sparse = message.get_sparse_features(TEXT, [alias])
        if sparse is not None:
            return sparse.features, True
        _, dense = message.get_dense_features(TEXT, [alias])
        if dense is not None:
            return dense.features, False
        return None, False

    def matrix(self, messages: List[Message], fit: bool = False) -> Tuple[csr_matrix, np.ndarray]:
        """The weighted feature matrix, and which rows have any n-gram at all.

        A message of emoji or unknown characters has no known word or
        character n-gram; the embedding of such text is noise, so a model's
        prediction for it must carry no confidence.
        """
        blocks, evidence = [], np.zeros(len(messages), dtype=bool)
        for alias, weight in self.weights.items():
            rows, sparse = [], False
            for message in messages:
                features, is_sparse = self._group(message, alias)
                sparse = sparse or is_sparse
                if features is None:  # e.g. an empty message: zeros of the right width
                    features = csr_matrix((1, self.sizes.get(alias, 0)))
                rows.append(csr_matrix(features))
            if fit:
                self.sizes[alias] = max(r.shape[1] for r in rows)
            width = self.sizes[alias]
            rows = [r if r.shape[1] == width else csr_matrix((1, width)) for r in rows]
            block = vstack(rows).tocsr()
            if sparse or alias in self.tfidf:
                if fit:
                    self.tfidf[alias] = TfidfTransformer(sublinear_tf=True).fit(block)
                block = self.tfidf[alias].transform(block)
                evidence |= block.getnnz(axis=1) > 0
            blocks.append(block * weight)
        return hstack(blocks).tocsr(), evidence
