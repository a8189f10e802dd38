"""Fast prediction: several trained pipelines scored on one batch with shared work.

The three models read the same posts. Scoring them one pipeline at a time
would hash every n-gram, look it up and aggregate counts three times. The
:class:`Scorer` does each once per analyzer (word, character): one lookup
in an index over the union of the models' vocabularies, one sort to count
n-grams per post, and then per model only cheap gathers (joint id → the
model's column, idf), a norm per row, and a sparse × dense product with the
linear weights. Probabilities are then computed exactly as the pipelines'
``CalibratedClassifierCV`` does (sigmoid calibrators, normalised).

Results equal ``pipeline.predict_proba`` (tests check this on real text);
pipelines this module does not know how to score (another classifier, other
vectoriser settings) are scored by their own ``predict_proba``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from yuqing.classify.features import (
    HashIndex,
    NgramTfidf,
    TextFeatures,
    char_ngram_hashes,
    char_ngram_lookup,
    char_unigram_table,
    prefix_closed,
    word_ngram_hashes,
)

_HASHERS = {"word": word_ngram_hashes, "char": char_ngram_hashes}


@dataclass
class Scored:
    """One model's output on a batch."""

    proba: np.ndarray  # (n_docs, n_classes)
    classes: list[str]
    # the word block's entries, for explanations: row, column, weighted tf-idf value
    word_rows: np.ndarray | None = None
    word_cols: np.ndarray | None = None
    word_vals: np.ndarray | None = None


def _calibrated_linear(clf):
    """(coef (k, F), intercept (k,), calibrators, classes) of a sigmoid CalibratedClassifierCV
    with ensemble=False around a linear model, or None."""
    from sklearn.calibration import CalibratedClassifierCV

    if not isinstance(clf, CalibratedClassifierCV) or clf.method != "sigmoid":
        return None
    if len(clf.calibrated_classifiers_) != 1:
        return None
    cc = clf.calibrated_classifiers_[0]
    est = cc.estimator
    if not hasattr(est, "coef_") or list(est.classes_) != list(clf.classes_):
        return None
    return (np.asarray(est.coef_, dtype=np.float64), np.asarray(est.intercept_, dtype=np.float64).ravel(),
            cc.calibrators, [str(c) for c in clf.classes_])


def _supported(pipeline) -> bool:
    steps = getattr(pipeline, "named_steps", {})
    feats, clf = steps.get("features"), steps.get("clf")
    if not isinstance(feats, TextFeatures) or _calibrated_linear(clf) is None:
        return False
    for _kind, vec, _w in feats.blocks_:
        if not isinstance(vec, NgramTfidf) or vec.norm != "l2" or vec.analyzer not in _HASHERS:
            return False
    return True


class Scorer:
    """Scores a fixed set of models (task → TextModel) on DocBatches, sharing the n-gram work."""

    def __init__(self, models: dict):
        self.models = dict(models)
        self.fast = {t: m for t, m in self.models.items() if _supported(m.pipeline)}
        # per analyzer: the union vocabulary, its index, and the n-gram orders needed
        self.analyzers: dict[str, dict] = {}
        blocks_by_analyzer: dict[str, list] = {}
        for task, m in self.fast.items():
            feats = m.pipeline.named_steps["features"]
            for bi, (_kind, vec, w) in enumerate(feats.blocks_):
                blocks_by_analyzer.setdefault(vec.analyzer, []).append((task, bi, vec, w))
        for analyzer, blocks in blocks_by_analyzer.items():
            union = np.unique(np.concatenate([vec.vocab_ for _, _, vec, _ in blocks]))
            lo = min(vec.ngram_range[0] for _, _, vec, _ in blocks)
            hi = max(vec.ngram_range[1] for _, _, vec, _ in blocks)
            maps = {}
            for task, bi, vec, _w in blocks:
                # joint id → this block's column; the extra last entry maps "absent" (-1) to -1
                m_ = np.full(len(union) + 1, -1, dtype=np.int32)
                m_[np.searchsorted(union, vec.vocab_)] = np.arange(len(vec.vocab_), dtype=np.int32)
                maps[(task, bi)] = m_
            # char n-grams can be looked up incrementally when the union vocabulary is prefix-closed
            names = set()
            for _, _, vec, _ in blocks:
                names.update(vec.get_feature_names_out().tolist())
            pruned = analyzer == "char" and prefix_closed(names, (lo, hi))
            index = HashIndex(union)
            self.analyzers[analyzer] = {"index": index, "size": len(union), "range": (lo, hi), "maps": maps,
                                        "pruned": pruned,
                                        "unigrams": char_unigram_table(index, names) if pruned else None}
        # per model: weights split by block, transposed for X @ W
        self.weights: dict[str, dict] = {}
        for task, m in self.fast.items():
            coef, intercept, calibrators, classes = _calibrated_linear(m.pipeline.named_steps["clf"])
            feats = m.pipeline.named_steps["features"]
            offsets = np.cumsum([0] + [len(vec.vocab_) for _, vec, _ in feats.blocks_])
            blocks = []
            for bi, (_kind, vec, w) in enumerate(feats.blocks_):
                blocks.append({"analyzer": vec.analyzer, "vec": vec, "weight": float(w), "bi": bi,
                               "W": np.ascontiguousarray(coef[:, offsets[bi]:offsets[bi + 1]].T)})
            self.weights[task] = {"blocks": blocks, "intercept": intercept, "calibrators": calibrators,
                                  "classes": classes}

        # analyzers none of whose blocks is needed for explanations (char n-grams) are scored for all
        # models at once: one sparse product of the posts' sublinear term frequencies with a matrix
        # holding, per joint n-gram, idf × weights of every block (and idf² for the blocks' row norms)
        for analyzer, a in self.analyzers.items():
            blocks = [(task, b) for task, w in self.weights.items() for b in w["blocks"] if b["analyzer"] == analyzer]
            a["joint"] = None
            if analyzer == "word" or not all(b["vec"].sublinear_tf for _, b in blocks):
                continue
            widths = [b["W"].shape[1] for _, b in blocks]
            A = np.zeros((a["size"], sum(widths)))
            B = np.zeros((a["size"], len(blocks)))
            spans = []
            col = 0
            for i, (task, b) in enumerate(blocks):
                m_ = a["maps"][(task, b["bi"])][:-1]
                known = m_ >= 0
                idf = b["vec"].idf_[m_[known]]
                A[known, col:col + widths[i]] = idf[:, None] * b["W"][m_[known]]
                B[known, i] = idf * idf
                spans.append((task, b["bi"], col, col + widths[i], i, b["weight"]))
                col += widths[i]
            a["joint"] = {"A": A, "B": B, "spans": spans}

    def _joint(self, analyzer: str, agg, n: int) -> dict:
        """Each (task, block)'s contribution to the decision values, for a jointly scored analyzer."""
        a = self.analyzers[analyzer]
        r, j, counts = agg
        tf = np.log(counts)
        tf += 1.0
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
        X = sp.csr_matrix((tf, j, indptr), shape=(n, a["size"]))
        S = X @ a["joint"]["A"]
        X.data *= tf
        norms = np.sqrt(X @ a["joint"]["B"])
        norms[norms == 0] = 1.0
        out = {}
        for task, bi, c0, c1, i, weight in a["joint"]["spans"]:
            out[(task, bi)] = S[:, c0:c1] * (weight / norms[:, i])[:, None]
        return out

    def _aggregate(self, analyzer: str, docs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows, joint ids and counts of the vocabulary n-grams of each doc (sorted by row)."""
        a = self.analyzers[analyzer]
        if a["pruned"]:
            rows, jid = char_ngram_lookup(docs, a["range"], a["index"], a["unigrams"])
        else:
            rows, hashes = _HASHERS[analyzer](docs, a["range"])
            jid = a["index"].lookup(hashes)
            found = jid >= 0
            rows, jid = rows[found], jid[found]
        size = a["size"]
        key = rows * size + jid
        key.sort(kind="stable")  # rows come in order: a run per doc, which the merge sort takes as it is
        if not len(key):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        first = np.empty(len(key), dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        uniq = key[starts]
        counts = np.diff(np.append(starts, len(key))).astype(np.float64)
        r = uniq // size
        return r, uniq - r * size, counts

    def score(self, docs, tasks=None) -> dict[str, Scored]:
        n = len(docs)
        tasks = list(self.models) if tasks is None else list(tasks)
        out: dict[str, Scored] = {}
        agg = {}
        joint = {}
        for analyzer in self.analyzers:
            if any(b["analyzer"] == analyzer for t in tasks if t in self.weights for b in self.weights[t]["blocks"]):
                agg[analyzer] = self._aggregate(analyzer, docs)
                if self.analyzers[analyzer]["joint"] is not None:
                    joint.update(self._joint(analyzer, agg[analyzer], n))
        for task in tasks:
            if task not in self.weights:
                m = self.models[task]
                X = m.pipeline.named_steps["features"].transform(docs)
                proba = m.pipeline.named_steps["clf"].predict_proba(X)
                feats = m.pipeline.named_steps["features"]
                kind, vec, _w = feats.blocks_[0]
                scored = Scored(proba, [str(c) for c in m.pipeline.classes_])
                if kind == "word":
                    Xw = X[:, : len(vec.vocab_)].tocoo()
                    scored.word_rows, scored.word_cols, scored.word_vals = Xw.row, Xw.col, Xw.data
                out[task] = scored
                continue
            wts = self.weights[task]
            decision = np.zeros((n, len(wts["intercept"])))
            scored = Scored(None, wts["classes"])
            for b in wts["blocks"]:
                if (task, b["bi"]) in joint:
                    decision += joint[(task, b["bi"])]
                    continue
                r, j, counts = agg[b["analyzer"]]
                vec = b["vec"]
                cols = self.analyzers[b["analyzer"]]["maps"][(task, b["bi"])][j]
                keep = cols >= 0
                rb, cb = r[keep], cols[keep]
                tf = counts[keep]
                if vec.sublinear_tf:
                    tf = np.log(tf) + 1.0
                val = tf * vec.idf_[cb]
                norm = np.sqrt(np.bincount(rb, weights=val * val, minlength=n))
                norm[norm == 0] = 1.0
                val /= norm[rb]
                val *= b["weight"]
                indptr = np.zeros(n + 1, dtype=np.int64)
                np.cumsum(np.bincount(rb, minlength=n), out=indptr[1:])
                X = sp.csr_matrix((val, cb, indptr), shape=(n, len(vec.vocab_)))
                decision += X @ b["W"]
                if vec.analyzer == "word" and scored.word_rows is None:
                    scored.word_rows, scored.word_cols, scored.word_vals = rb, cb, val
            decision += wts["intercept"]
            scored.proba = _calibrate(decision, wts["calibrators"], len(wts["classes"]))
            out[task] = scored
        return out


def _calibrate(decision: np.ndarray, calibrators, n_classes: int) -> np.ndarray:
    """What ``CalibratedClassifierCV.predict_proba`` does with sigmoid calibrators."""
    proba = np.zeros((decision.shape[0], n_classes))
    if n_classes == 2:
        cal = calibrators[0]
        proba[:, 1] = expit(-(cal.a_ * decision[:, 0] + cal.b_))
        proba[:, 0] = 1.0 - proba[:, 1]
    else:
        for k, cal in enumerate(calibrators):
            proba[:, k] = expit(-(cal.a_ * decision[:, k] + cal.b_))
        denom = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / n_classes)
        proba = np.divide(proba, denom, out=uniform, where=denom != 0)
    proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
    return proba
