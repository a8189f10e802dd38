"""Text features for the classifiers: TF-IDF over word and character n-grams, computed in bulk.

scikit-learn's ``TfidfVectorizer`` builds every n-gram as a Python string,
which costs more than the segmentation itself. Here each n-gram is a 64-bit
hash computed with numpy over a whole batch at once (a polynomial hash over
code points, then a splitmix64 finaliser), looked up in the fitted vocabulary
through an open-addressing table. The vocabulary keeps the n-gram strings, so
models stay explainable (:meth:`TextFeatures.get_feature_names_out`).

A post is a :class:`Doc` (normalised text plus its tokens). The three models
take the same ``Doc`` objects, so a batch is segmented once for all of them.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize as l2_normalize
from yuqing.classify.tokenizer import Tokenizer, _Doc

#: longer texts are cut here before featurising (huge pages must not stall the pipeline)
MAX_CHARS = 20_000
#: texts are hashed in chunks of about this many characters (bounds memory)
CHUNK_CHARS = 1 << 20

_U64 = np.uint64
_MUL = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_MUL_INV = pow(_MUL, -1, 1 << 64)
_NGRAM_SALT = np.array([0x243F6A8885A308D3 * (n + 1) % (1 << 64) for n in range(16)], dtype=_U64)
_WORD_SALT = _U64(0x13198A2E03707344)
_powers_lock = threading.Lock()
_P = np.ones(1, dtype=_U64)
_PINV = np.ones(1, dtype=_U64)


#: a post as the featurisers see it: ``.text`` (normalised) and ``.tokens``
Doc = _Doc


def compose(text: str, title: str = "", title_repeat: int = 2) -> str:
    """The text a model reads: the title (repeated, so it weighs more) before the body."""
    title = (title or "").strip()
    text = text or ""
    if title and not text.startswith(title):
        return "\n".join([title] * title_repeat + [text])
    if title and title_repeat > 1:
        return "\n".join([title] * (title_repeat - 1) + [text])
    return text


class DocBatch(list):
    """A list of :class:`Doc` that remembers its n-gram hashes, so models sharing a batch hash it once."""

    def __init__(self, docs=()):
        super().__init__(docs)
        self.cache: dict = {}


def make_docs(texts: Iterable[str | Doc], tokenizer: Tokenizer) -> DocBatch:
    """Segment texts (once) into a :class:`DocBatch`; a DocBatch is returned as it is."""
    if isinstance(texts, DocBatch):
        return texts
    out = DocBatch()
    for t in texts:
        if isinstance(t, Doc):
            out.append(t)
        else:
            out.append(tokenizer.doc((t or "")[:MAX_CHARS]))
    return out


# -- hashing -------------------------------------------------------------


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``_MUL**i`` and its inverse for i < n, modulo 2**64."""
    global _P, _PINV
    if len(_P) < n:
        with _powers_lock:
            if len(_P) < n:
                m = 1 << max(n - 1, 1).bit_length()
                p = np.empty(m, dtype=_U64)
                p[0] = 1
                p[1:] = np.cumprod(np.full(m - 1, _MUL, dtype=_U64))
                q = np.empty(m, dtype=_U64)
                q[0] = 1
                q[1:] = np.cumprod(np.full(m - 1, _MUL_INV, dtype=_U64))
                _P, _PINV = p, q
    return _P, _PINV


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place."""
    x ^= x >> _U64(30)
    x *= _U64(0xBF58476D1CE4E5B9)
    x ^= x >> _U64(27)
    x *= _U64(0x94D049BB133111EB)
    x ^= x >> _U64(31)
    return x


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _is_cjk(cp: np.ndarray) -> np.ndarray:
    """Chinese characters (CJK unified ideographs and extension A)."""
    return ((cp >= 0x4E00) & (cp <= 0x9FFF)) | ((cp >= 0x3400) & (cp <= 0x4DBF))


class _Prefix:
    """Prefix sums that give the hash of any substring of a code-point array in O(1)."""

    def __init__(self, cp: np.ndarray):
        n = len(cp)
        p, self.pinv = _powers(n + 1)
        v = cp.astype(_U64)
        v += _U64(1)
        v *= p[:n]
        s = np.empty(n + 1, dtype=_U64)
        s[0] = 0
        np.cumsum(v, out=s[1:])
        self.s = s
        self.n = n

    def hash(self, start: np.ndarray, length: int | np.ndarray) -> np.ndarray:
        end = start + length
        h = self.s[end] - self.s[start]
        h *= self.pinv[start]
        return h


def _chunks(docs: Sequence[Doc], size_of) -> Iterable[tuple[int, int]]:
    start, total = 0, 0
    for i, d in enumerate(docs):
        total += size_of(d)
        if total >= CHUNK_CHARS:
            yield start, i + 1
            start, total = i + 1, 0
    if start < len(docs):
        yield start, len(docs)


def _text_chunks(docs: Sequence[Doc]):
    """Per chunk of docs: the joined text, its code points and prefix hashes, and per character
    the end offset of its doc and its doc's row."""
    for a, b in _chunks(docs, lambda d: len(d.text)):
        texts = [d.text for d in docs[a:b]]
        joined = "".join(texts)
        if not joined:
            continue
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        cp = _codepoints(joined)
        end_of = np.repeat(np.cumsum(lengths), lengths)
        row_of = np.repeat(np.arange(a, b, dtype=np.int64), lengths)
        yield joined, cp, _Prefix(cp), end_of, row_of


def char_ngram_hashes(docs: Sequence[Doc], ngram_range: tuple[int, int], with_sources: bool = False,
                      cjk_only: bool = False):
    """(rows, hashes[, (n, position, joined text)]) for every character n-gram of every doc.

    With ``cjk_only`` (used when fitting) n-grams with a character that is not
    Chinese (digits, Latin letters, punctuation, spaces) are left out. Such
    n-grams are then never in the vocabulary, so transforming needs no filter.
    """
    lo, hi = ngram_range
    rows_out, hashes_out, src = [], [], []
    for joined, cp, pre, end_of, rows_all in _text_chunks(docs):
        other = np.concatenate([[0], np.cumsum(~_is_cjk(cp))]) if cjk_only else None
        pos = np.arange(len(cp), dtype=np.int64)
        for n in range(lo, hi + 1):
            ok = pos + n <= end_of
            if other is not None:
                ok &= other[np.minimum(pos + n, len(cp))] == other[pos]
            starts = pos[ok]
            h = pre.hash(starts, n)
            h += _NGRAM_SALT[n]
            rows_out.append(rows_all[ok])
            hashes_out.append(_mix(h))
            if with_sources:
                src.append((n, starts, joined))
    return _concat(rows_out, hashes_out, src, with_sources)


def char_unigram_table(index: HashIndex, names: Iterable[str]) -> np.ndarray:
    """Column of each code point's unigram (-1 if unknown), up to the largest known one; the last entry is -1."""
    top = max((ord(g) for g in names if len(g) == 1), default=0)
    h = np.arange(top + 1, dtype=_U64)
    h += _U64(1)
    h += _NGRAM_SALT[1]
    return np.append(index.lookup(_mix(h)), np.int32(-1))


def char_ngram_lookup(docs: Sequence[Doc], ngram_range: tuple[int, int], index: HashIndex,
                      unigrams: np.ndarray | None = None):
    """(rows, columns) of the character n-grams of every doc that ``index`` knows, for a prefix-closed vocabulary.

    When every known n-gram's (n-1)-character prefix is known too (true of a
    fitted ``NgramTfidf`` char vocabulary, since a prefix occurs in at least the
    documents its extensions occur in), an n-gram can only be known where its
    prefix was found. So (n+1)-grams are hashed and looked up only at the
    positions where the n-gram was found: the same result as looking up every
    n-gram, with a fraction of the work. The caller checks the closure.
    """
    lo, hi = ngram_range
    rows_out, cols_out = [], []
    for _joined, cp, pre, end_of, row_of in _text_chunks(docs):
        starts = np.arange(len(cp), dtype=np.int64)
        for n in range(1, hi + 1):
            if n == 1 and unigrams is not None:  # a code point's column is one gather away
                cols = unigrams[np.minimum(cp, len(unigrams) - 1)]
            else:
                starts = starts[starts + n <= end_of[starts]]
                h = pre.hash(starts, n)
                h += _NGRAM_SALT[n]
                cols = index.lookup(_mix(h))
            found = cols >= 0
            starts = starts[found]
            if n >= lo:
                rows_out.append(row_of[starts])
                cols_out.append(cols[found])
            if not len(starts):
                break
    rows = np.concatenate(rows_out) if rows_out else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(cols_out) if cols_out else np.zeros(0, dtype=np.int32)
    return rows, cols


def prefix_closed(names: Iterable[str], ngram_range: tuple[int, int]) -> bool:
    """Is every char n-gram's (n-1)-prefix in ``names`` too (from length 1 up)? See :func:`char_ngram_lookup`."""
    if ngram_range[0] != 1:
        return False
    known = set(names)
    return all(len(g) == 1 or g[:-1] in known for g in known)


def word_ngram_hashes(docs: Sequence[Doc], ngram_range: tuple[int, int], with_sources: bool = False,
                      cjk_only: bool = False):
    """(rows, hashes[, (n, token index, flat tokens)]) for every word n-gram of every doc.

    With ``cjk_only`` (used when fitting) n-grams with a token that has no
    Chinese character (numbers, Latin words) are left out.
    """
    lo, hi = ngram_range
    rows_out, hashes_out, src = [], [], []
    for a, b in _chunks(docs, lambda d: len(d.text)):
        toks = [d.tokens for d in docs[a:b]]
        counts = np.fromiter(map(len, toks), dtype=np.int64, count=len(toks))
        flat = list(chain.from_iterable(toks))
        if not flat:
            continue
        cp = _codepoints("".join(flat))
        tlen = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
        tstart = np.cumsum(tlen) - tlen
        pre = _Prefix(cp)
        unigram = pre.hash(tstart, tlen)
        unigram += tlen.astype(_U64) * _WORD_SALT
        _mix(unigram)
        row_of = np.repeat(np.arange(a, b, dtype=np.int64), counts)
        other = None
        if cjk_only:
            cjk = np.concatenate([[0], np.cumsum(_is_cjk(cp))])
            other = np.concatenate([[0], np.cumsum((cjk[tstart + tlen] - cjk[tstart]) == 0)])
        end_of = np.repeat(np.cumsum(counts), counts)
        idx = np.arange(len(unigram), dtype=np.int64)
        for n in range(lo, hi + 1):
            ok = idx + n <= end_of
            if other is not None:
                ok &= other[np.minimum(idx + n, len(idx))] == other[idx]
            starts = idx[ok]
            h = unigram[starts].copy()
            for k in range(1, n):
                h *= _U64(_MUL)
                h += unigram[starts + k]
            if n > 1:
                h += _NGRAM_SALT[n]
                _mix(h)
            rows_out.append(row_of[ok])
            hashes_out.append(h)
            if with_sources:
                src.append((n, starts, flat))
    return _concat(rows_out, hashes_out, src, with_sources)


def _concat(rows_out, hashes_out, src, with_sources):
    rows = np.concatenate(rows_out) if rows_out else np.zeros(0, dtype=np.int64)
    hashes = np.concatenate(hashes_out) if hashes_out else np.zeros(0, dtype=_U64)
    if with_sources:
        return rows, hashes, src
    return rows, hashes


class HashIndex:
    """An exact lookup from 64-bit hashes to column numbers (open addressing, linear probing)."""

    def __init__(self, keys: np.ndarray):
        self.keys = np.asarray(keys, dtype=_U64)
        size = 1 << max(4, (2 * len(self.keys) + 1).bit_length())
        self.mask = _U64(size - 1)
        table = np.full(size, -1, dtype=np.int32)
        pending = np.arange(len(self.keys), dtype=np.int64)
        slots = (self.keys & self.mask).astype(np.int64)
        while len(pending):
            s = slots[pending]
            free = table[s] < 0
            # among keys aiming at the same free slot, the first one takes it
            cand_slots, first = np.unique(s[free], return_index=True)
            winners = pending[free][first]
            table[cand_slots] = winners
            placed = np.zeros(len(pending), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            pending = pending[~placed]
            slots[pending] = (slots[pending] + 1) & int(self.mask)
        self.table = table

        # keys plus one entry for "empty" (-1): a table miss then compares against a value
        # whose answer is discarded, so the first probe needs no masking
        self.keys_ext = np.append(self.keys, _U64(0))

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """Column of each hash, or -1."""
        if not len(self.keys) or not len(hashes):
            return np.full(len(hashes), -1, dtype=np.int32)
        slot = (hashes & self.mask).astype(np.intp)
        col = self.table[slot]
        match = self.keys_ext[col] == hashes
        out = np.where(match, col, np.int32(-1))
        # collisions: follow the probe sequence for the few that hit another key
        todo = np.flatnonzero(~match & (col >= 0))
        mask = int(self.mask)
        while len(todo):
            slot_t = (slot[todo] + 1) & mask
            slot[todo] = slot_t
            c = self.table[slot_t]
            m = (c >= 0) & (self.keys_ext[c] == hashes[todo])
            out[todo[m]] = c[m]
            todo = todo[(c >= 0) & ~m]
        return out


# -- the vectorizers -----------------------------------------------------


class NgramTfidf(BaseEstimator, TransformerMixin):
    """TF-IDF over word or character n-grams of :class:`Doc` objects (like ``TfidfVectorizer``)."""

    def __init__(self, analyzer="word", ngram_range=(1, 2), min_df=1, max_df=1.0, max_features=None,
                 sublinear_tf=True, norm="l2", cjk_only=False):
        self.cjk_only = cjk_only
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.norm = norm

    def _hashes(self, docs, with_sources=False):
        cache = getattr(docs, "cache", None)
        if cache is not None and not with_sources:
            key = (self.analyzer, tuple(self.ngram_range))  # transform hashes do not depend on cjk_only
            if key not in cache:
                cache[key] = self._hashes(list(docs))
            return cache[key]
        if self.analyzer == "word":
            return word_ngram_hashes(docs, tuple(self.ngram_range), with_sources, self.cjk_only and with_sources)
        if self.analyzer == "char":
            return char_ngram_hashes(docs, tuple(self.ngram_range), with_sources, self.cjk_only and with_sources)
        raise ValueError(f"analyzer must be 'word' or 'char', not {self.analyzer!r}")

    def fit(self, docs, y=None):
        self.fit_transform(docs)
        return self

    def fit_transform(self, docs, y=None):
        rows, hashes, src = self._hashes(docs, with_sources=True)
        n_docs = len(docs)
        # document frequency of each distinct hash
        uniq, inverse = np.unique(hashes, return_inverse=True)
        pairs = np.unique(inverse.astype(np.int64) * max(n_docs, 1) + rows)
        df = np.bincount(pairs // max(n_docs, 1), minlength=len(uniq))
        keep = df >= self.min_df
        max_df = self.max_df if isinstance(self.max_df, int) else self.max_df * n_docs
        keep &= df <= max_df
        if self.max_features is not None and keep.sum() > self.max_features:
            order = np.lexsort((uniq, -df))  # most frequent first, ties by hash (deterministic)
            order = order[keep[order]][: self.max_features]
            keep = np.zeros_like(keep)
            keep[order] = True
        self.vocab_ = uniq[keep]
        self.idf_ = (np.log((1 + n_docs) / (1 + df[keep])) + 1.0).astype(np.float64)
        self.index_ = HashIndex(self.vocab_)
        self.feature_names_ = self._names(hashes, src, keep, uniq)
        return self._matrix(rows, hashes, n_docs)

    def _names(self, hashes, src, keep, uniq) -> np.ndarray:
        """One string per vocabulary entry, from its first occurrence."""
        offsets = []  # (first hash index, n, starts, sequence) per hashed block
        total = 0
        for n, starts, seq in src:
            offsets.append((total, n, starts, seq))
            total += len(starts)
        _, first = np.unique(hashes, return_index=True)
        first = first[keep]
        names = []
        bounds = np.array([o[0] for o in offsets] + [total])
        which = np.searchsorted(bounds, first, side="right") - 1
        sep = "" if self.analyzer == "char" else " "
        for f, w in zip(first.tolist(), which.tolist()):
            base, n, starts, seq = offsets[w]
            s = int(starts[f - base])
            names.append(seq[s : s + n] if sep == "" else sep.join(seq[s : s + n]))
        return np.array(names, dtype=object)

    def transform(self, docs):
        rows, hashes = self._hashes(docs)
        return self._matrix(rows, hashes, len(docs))

    def _matrix(self, rows, hashes, n_docs):
        cols = self.index_.lookup(hashes)
        found = cols >= 0
        m = sp.csr_matrix(
            (np.ones(int(found.sum()), dtype=np.float64), (rows[found], cols[found])),
            shape=(n_docs, len(self.vocab_)),
        )
        m.sum_duplicates()
        if self.sublinear_tf:
            np.log(m.data, out=m.data)
            m.data += 1.0
        m.data *= self.idf_[m.indices]
        if self.norm:
            m = l2_normalize(m, norm=self.norm, copy=False)
        return m

    def get_feature_names_out(self, input_features=None):
        return self.feature_names_

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("index_", None)  # rebuilt on load: cheap, and keeps files small
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "vocab_" in state:
            self.index_ = HashIndex(self.vocab_)


class TextFeatures(BaseEstimator, TransformerMixin):
    """Word and character n-gram TF-IDF side by side, each block weighted, from one segmentation.

    Accepts raw strings (segmented with ``tokenizer``) or ready :class:`Doc` objects.
    """

    def __init__(self, tokenizer=None, word_ngrams=(1, 2), char_ngrams=(1, 3), word_weight=1.0, char_weight=1.0,
                 min_df=1, char_min_df=2, max_features=None, sublinear_tf=True, cjk_only=False):
        self.cjk_only = cjk_only
        self.tokenizer = tokenizer
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.min_df = min_df
        self.char_min_df = char_min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    def _tokenizer(self) -> Tokenizer:
        if self.tokenizer is None:
            self.tokenizer = Tokenizer(None)
        return self.tokenizer

    def _blocks(self):
        blocks = []
        if self.word_ngrams:
            blocks.append(("word", NgramTfidf("word", tuple(self.word_ngrams), min_df=self.min_df,
                                              max_features=self.max_features, sublinear_tf=self.sublinear_tf,
                                              cjk_only=self.cjk_only),
                           self.word_weight))
        if self.char_ngrams:
            blocks.append(("char", NgramTfidf("char", tuple(self.char_ngrams), min_df=self.char_min_df,
                                              max_features=self.max_features, sublinear_tf=self.sublinear_tf,
                                              cjk_only=self.cjk_only),
                           self.char_weight))
        if not blocks:
            raise ValueError("TextFeatures needs word_ngrams or char_ngrams")
        return blocks

    def fit(self, X, y=None):
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        docs = make_docs(X, self._tokenizer())
        self.blocks_ = self._blocks()
        mats = [w * v.fit_transform(docs) for _, v, w in self.blocks_]
        return sp.hstack(mats, format="csr")

    def transform(self, X):
        docs = make_docs(X, self._tokenizer())
        mats = [w * v.transform(docs) for _, v, w in self.blocks_]
        return sp.hstack(mats, format="csr")

    def get_feature_names_out(self, input_features=None):
        names = []
        for kind, v, _ in self.blocks_:
            names.extend(v.get_feature_names_out().tolist())
        return np.array(names, dtype=object)

