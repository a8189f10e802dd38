"""Near-duplicate detection: reposts, copied articles, the same complaint pasted in several places.

Two fingerprints, because one does not fit all lengths:

* **SimHash** (64 bits over weighted character 3-grams) for long texts. Copied
  articles differ in a byline or a footer; their SimHashes differ in a few bits.
  It is stored on every post (``Post.simhash``, as a signed 64-bit integer).
* **MinHash** (64 permutations over character shingles, banded for LSH) with
  an exact Jaccard / containment check for short texts. A 40-character weibo
  and its copy with "转发：" and an emoji added differ in a large share of their
  3-grams, which SimHash turns into many flipped bits; Jaccard on the shingle
  sets still sees them as the same text.

:class:`NearDuplicateIndex` holds recent posts and answers "which earlier post
is this a near-duplicate of?"; the near-duplicate pipeline sets ``duplicate_of``
from it.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from yuqing.crawlers.textutil import match_form

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@[\w\-\u4e00-\u9fff]{1,30}")
_REPOST_WORDS = re.compile(r"转发微博|转发了|转发|//|分享自|来自\S{0,12}客户端|网页链接|展开全文|全文")
_NON_WORD = re.compile(r"[^\w]|_", re.UNICODE)

_PRIME = 4294967291  # largest prime below 2**32
_PERMS = 64
_BANDS, _ROWS = 16, 4  # LSH: candidate when one band of 4 rows agrees (~50% Jaccard threshold)
_rng = np.random.default_rng(20261123)
_A = _rng.integers(1, _PRIME, size=_PERMS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, size=_PERMS, dtype=np.uint64)
_BITS = np.arange(64, dtype=np.uint64)


def dedup_form(text: str) -> str:
    """Text reduced to what identifies it: no URLs, @mentions, repost boilerplate, punctuation or spaces."""
    text = _URL.sub("", text or "")
    text = _MENTION.sub("", text)
    text = match_form(text)
    text = _REPOST_WORDS.sub("", text)
    return _NON_WORD.sub("", text)


def shingles(form: str, k: int = 3) -> set[str]:
    if len(form) <= k:
        return {form} if form else set()
    return {form[i : i + k] for i in range(len(form) - k + 1)}


def _hash64(items) -> np.ndarray:
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little") for s in items),
        dtype=np.uint64,
    )


def simhash(text: str, *, form: str | None = None) -> int:
    """64-bit SimHash (unsigned) over character 3-grams, each weighted by its count."""
    form = dedup_form(text) if form is None else form
    if not form:
        return 0
    grams: dict[str, int] = defaultdict(int)
    k = 3 if len(form) > 3 else 1
    for i in range(max(1, len(form) - k + 1)):
        grams[form[i : i + k]] += 1
    hashes = _hash64(grams.keys())
    weights = np.fromiter(grams.values(), dtype=np.int64)
    bits = ((hashes[:, None] >> _BITS[None, :]) & np.uint64(1)).astype(np.int64)
    score = ((bits * 2 - 1) * weights[:, None]).sum(axis=0)
    value = 0
    for i in np.nonzero(score > 0)[0]:
        value |= 1 << int(i)
    return value


def to_signed(value: int) -> int:
    """An unsigned 64-bit fingerprint as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= (1 << 63) else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def hamming(a: int, b: int) -> int:
    return bin(to_unsigned(a) ^ to_unsigned(b)).count("1")


def minhash(grams: set[str]) -> np.ndarray:
    """A 64-value MinHash signature of a shingle set."""
    if not grams:
        return np.full(_PERMS, _PRIME, dtype=np.uint64)
    x = _hash64(grams) & np.uint64(0xFFFFFFFF)
    return ((_A[:, None] * x[None, :] + _B[:, None]) % np.uint64(_PRIME)).min(axis=1)


@dataclass
class _Entry:
    post_id: int
    form: str
    grams: set[str] | None
    fingerprint: int


class NearDuplicateIndex:
    """Recent posts, searchable for near-duplicates of a new text.

    ``short_limit`` characters (after :func:`dedup_form`) separates short texts
    (MinHash + Jaccard/containment) from long ones (SimHash within ``max_hamming`` bits).
    """

    def __init__(self, jaccard: float = 0.5, containment: float = 0.85, max_hamming: int = 3,
                 short_limit: int = 300, min_length: int = 8):
        self.jaccard = jaccard
        self.containment = containment
        self.max_hamming = max_hamming
        self.short_limit = short_limit
        self.min_length = min_length
        self._entries: dict[int, _Entry] = {}
        self._lsh: list[dict[bytes, list[int]]] = [defaultdict(list) for _ in range(_BANDS)]
        self._sim_bands: list[dict[int, list[int]]] = [defaultdict(list) for _ in range(4)]
        self._exact: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def _prepare(self, text: str) -> tuple[str, set[str] | None, int]:
        form = dedup_form(text)
        if len(form) < self.short_limit:
            return form, shingles(form, 3 if len(form) >= 12 else 2), simhash("", form=form)
        return form, None, simhash("", form=form)

    def add(self, post_id: int, text: str, fingerprint: int | None = None) -> None:
        form, grams, fp = self._prepare(text)
        if len(form) < self.min_length or post_id in self._entries:
            return
        entry = _Entry(post_id, form, grams, fp)
        self._entries[post_id] = entry
        self._exact.setdefault(form, post_id)
        if grams is not None:
            sig = minhash(grams)
            for b in range(_BANDS):
                self._lsh[b][sig[b * _ROWS : (b + 1) * _ROWS].tobytes()].append(post_id)
        else:
            for b in range(4):
                self._sim_bands[b][(fp >> (16 * b)) & 0xFFFF].append(post_id)

    def find(self, text: str, exclude: int | None = None) -> tuple[int, float] | None:
        """The most similar earlier post ``(post_id, similarity)`` if one is a near-duplicate, else None."""
        form, grams, fp = self._prepare(text)
        if len(form) < self.min_length:
            return None
        same = self._exact.get(form)
        if same is not None and same != exclude:
            return same, 1.0
        best: tuple[int, float] | None = None
        if grams is not None:
            sig = minhash(grams)
            candidates = set()
            for b in range(_BANDS):
                candidates.update(self._lsh[b].get(sig[b * _ROWS : (b + 1) * _ROWS].tobytes(), ()))
            for pid in candidates:
                if pid == exclude:
                    continue
                other = self._entries[pid].grams or set()
                inter = len(grams & other)
                if not inter:
                    continue
                jac = inter / len(grams | other)
                small = min(len(grams), len(other))
                cont = inter / small if small >= 10 else 0.0
                score = max(jac, cont if cont >= self.containment else 0.0)
                if (jac >= self.jaccard or cont >= self.containment) and (best is None or score > best[1]):
                    best = (pid, round(score, 3))
        else:
            candidates = set()
            for b in range(4):
                candidates.update(self._sim_bands[b].get((fp >> (16 * b)) & 0xFFFF, ()))
            for pid in candidates:
                if pid == exclude:
                    continue
                dist = hamming(fp, self._entries[pid].fingerprint)
                if dist <= self.max_hamming:
                    score = round(1 - dist / 64, 3)
                    if best is None or score > best[1]:
                        best = (pid, score)
        return best


__all__ = ["NearDuplicateIndex", "simhash", "minhash", "dedup_form", "shingles", "hamming", "to_signed", "to_unsigned"]
