"""Word segmentation for the classifiers: jieba's tokens, the locality's dictionary, our stopwords.

One :class:`Tokenizer` is built from a deployment's configuration (its locality
name, aliases, units, officials' titles, local terms and look-alike place names
go into the dictionary, so 云溪大道 stays one token and 云溪区 is not cut into
云溪 + 区). The models pickle their tokenizer, so the tokens at prediction time
are exactly those seen at training time.

Speed: segmentation is the hot path of the pipeline. The default backend is
``rjieba`` (a binding of jieba-rs, about 15× faster than jieba's Python code);
it gives jieba's tokens except inside runs of ASCII punctuation such as
``baidu.com`` or ``80-90``, which jieba's HMM fallback splits and jieba-rs keeps
whole. :func:`_jieba_ascii_split` redoes that split, so both backends give
identical tokens (``tests/test_classify_tokenizer.py`` checks this on real
text). ``backend="jieba"`` uses jieba itself; it is what ``auto`` falls back to
when rjieba is not installed.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable
from importlib import resources
from itertools import filterfalse
from pathlib import Path

from yuqing.hanzi import simplified

log = logging.getLogger(__name__)

#: bump when normalisation or filtering changes: saved models then refuse to load. (Reading traditional characters
#: as simplified ones is not such a change: a model saved before it sees the same tokens for every text in simplified
#: characters, and for one in traditional characters the tokens it was trained on; an office's calibrated models
#: are kept.)
TOKENIZER_VERSION = 2

#: jieba's HMM fallback (finalseg.re_skip) splits non-Chinese runs with this pattern
_RE_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
#: runs of ASCII that jieba keeps inside a "Chinese" block and may split where jieba-rs does not
_ASCII_PUNCT = re.compile(r"[+#&._%\-]")
_ASCII_RUNS = re.compile(r"[a-zA-Z0-9+#&._%\-]{2,}")
_ASCII_RUN = re.compile(r"^[a-zA-Z0-9+#&._%\-]+$")

#: the frequency a word added to the dictionary gets (words the dictionary has keep theirs). Explicit, so
#: both backends count it into their totals alike (their own guesses differ) and segment identically
ADDED_WORD_FREQ = 1000

_BACKENDS: dict[tuple, object] = {}
_BACKENDS_LOCK = threading.Lock()


def default_stopwords() -> frozenset[str]:
    """The stopword list shipped with yuqing (``classify/stopwords.txt``)."""
    text = resources.files("yuqing.classify").joinpath("stopwords.txt").read_text(encoding="utf-8")
    return frozenset(_read_words(text))


def _read_words(text: str) -> list[str]:
    words = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip() if not line.startswith("#") else ""
        if line:
            words.append(normalize(line))
    return words


#: full-width letters and digits (ＡＢＣ１２３) to ASCII; full-width punctuation is left alone
_FULLWIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]")
_FULLWIDTH_MAP = {c: c - 0xFEE0 for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_FULLWIDTH_MAP[0x3000] = 0x20


def normalize(text: str) -> str:
    """Traditional characters to simplified (:mod:`~yuqing.hanzi`), full-width letters and digits to
    ASCII, lower case, runs of whitespace to one space.

    (Unicode NFKC would do more but costs as much as segmenting the text.)
    """
    text = simplified(text)
    if _FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH_MAP)
    # str.split() splits at exactly the characters regex \s matches (str.isspace), in C
    return " ".join(text.lower().split())


def _punctuation() -> frozenset[str]:
    """Single characters that are never tokens: whitespace, punctuation and symbols of the BMP's
    Latin, general-punctuation, CJK-symbol and full-width blocks."""
    chars = [chr(c) for c in [*range(0x3100), *range(0xFE00, 0x10000)]]
    return frozenset(c for c in chars if not c.isalnum())


_PUNCTUATION = _punctuation()


def dictionary_words(cfg) -> list[str]:
    """The deployment's own words for the segmentation dictionary."""
    if cfg is None:
        return []
    loc = cfg.locality
    words = [loc.name, *loc.aliases, *loc.units, *loc.officials, *loc.terms, *loc.lookalikes]
    words += list(getattr(cfg.keywords, "include", []) or [])
    seen: dict[str, None] = {}
    for w in words:
        w = normalize(w)
        if w and " " not in w:
            seen[w] = None
    return list(seen)


def _jieba_ascii_split(tokens: list[str], has_word) -> list[str]:
    """Split ASCII runs the way jieba's HMM fallback does (``baidu.com`` → baidu . com)."""
    out: list[str] = []
    for t in tokens:
        if len(t) > 1 and t.isascii() and _ASCII_RUN.match(t) and not _RE_SKIP.fullmatch(t) and not has_word(t):
            out.extend(p for p in _RE_SKIP.split(t) if p)
        else:
            out.append(t)
    return out


class _RJiebaBackend:
    name = "rjieba"

    def __init__(self, words: tuple[str, ...]):
        import rjieba

        self._jieba = rjieba.Jieba()
        for w in words:
            if not self._jieba.has_word(w):
                self._jieba.add_word(w, ADDED_WORD_FREQ, None)
        self._cut = self._jieba.cut
        self._has_word = self._jieba.has_word

    def cut(self, text: str) -> list[str]:
        return self._fix(text, self._cut(text))

    def _fix(self, text: str, tokens: list[str]) -> list[str]:
        if _ASCII_PUNCT.search(text) is not None:
            for run in _ASCII_RUNS.findall(text):
                if not _RE_SKIP.fullmatch(run):
                    return _jieba_ascii_split(tokens, self._has_word)
        return tokens


class _JiebaBackend:
    name = "jieba"

    def __init__(self, words: tuple[str, ...]):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tk = jieba.Tokenizer()
        self._tk.initialize()
        for w in words:
            if not self._tk.FREQ.get(w):
                self._tk.add_word(w, ADDED_WORD_FREQ)
        self._lcut = self._tk.lcut

    def cut(self, text: str) -> list[str]:
        return self._lcut(text)


def available_backends() -> list[str]:
    names = []
    try:
        import rjieba  # noqa: F401

        names.append("rjieba")
    except ImportError:  # pragma: no cover - rjieba is a dependency
        pass
    names.append("jieba")
    return names


def _backend(name: str, words: tuple[str, ...]):
    if name == "auto":
        name = available_backends()[0]
    key = (name, words)
    with _BACKENDS_LOCK:
        b = _BACKENDS.get(key)
        if b is None:
            if name == "rjieba":
                b = _RJiebaBackend(words)
            elif name == "jieba":
                b = _JiebaBackend(words)
            else:
                raise ValueError(f"unknown tokenizer backend {name!r}; allowed: auto, rjieba, jieba")
            _BACKENDS[key] = b
        return b


class _Doc:
    """A normalised text and its tokens (re-exported as ``features.Doc``)."""

    __slots__ = ("text", "tokens")

    def __init__(self, text: str, tokens: list[str]):
        self.text = text
        self.tokens = tokens

    def __repr__(self) -> str:
        return f"Doc({self.text[:20]!r}…, {len(self.tokens)} tokens)"

    def __reduce__(self):
        return (_Doc, (self.text, self.tokens))


class Tokenizer:
    """jieba tokens of normalised text, with the deployment's dictionary, minus stopwords.

    ``Tokenizer(cfg)`` uses the configuration's locality words and its extra
    stopword file (``classify.stopwords``); ``Tokenizer(None)`` is the plain
    tokenizer used when no configuration exists. The 舆情 lexicon's words are
    kept whole and each adds its kind's token (``〔死亡〕``) to the tokens.
    Instances pickle by value (words, stopwords, lexicon, backend name); the
    segmenter is rebuilt on load.
    """

    def __init__(
        self,
        cfg=None,
        *,
        words: Iterable[str] = (),
        stopwords: Iterable[str] | None = None,
        backend: str = "auto",
        cache_size: int = 4096,
        lexicon: bool = True,
    ):
        extra_words = [normalize(w) for w in words if normalize(w)]
        self.words: tuple[str, ...] = tuple(dict.fromkeys([*dictionary_words(cfg), *extra_words]))
        #: lexicon word → its kind's token, added after the word's own (see :mod:`yuqing.classify.lexicon`)
        self.kinds: dict[str, str] = {}
        if lexicon:
            from yuqing.classify.lexicon import word_tokens

            self.kinds = {normalize(w): t for w, t in word_tokens().items() if normalize(w)}
        stops = set(default_stopwords() if stopwords is None else (normalize(s) for s in stopwords))
        if cfg is not None and getattr(cfg.classify, "stopwords", None):
            stops |= set(_read_stopword_file(cfg))
        # the deployment's own words are never stopwords
        stops -= set(self.words)
        self.stopwords: frozenset[str] = frozenset(stops)
        self.backend_name = backend
        self.cache_size = cache_size
        self._setup()

    # -- pickling: by value, the segmenter is rebuilt ---------------------
    def __getstate__(self) -> dict:
        return {
            "version": TOKENIZER_VERSION,
            "words": self.words,
            "stopwords": sorted(self.stopwords),
            "kinds": self.kinds,
            "backend_name": self.backend_name,
            "cache_size": self.cache_size,
        }

    def __setstate__(self, state: dict) -> None:
        if state.get("version") != TOKENIZER_VERSION:
            raise ValueError(
                f"tokenizer version {state.get('version')} in this model, {TOKENIZER_VERSION} installed; retrain the model"
            )
        self.words = tuple(state["words"])
        self.stopwords = frozenset(state["stopwords"])
        self.kinds = dict(state.get("kinds") or {})
        self.backend_name = state["backend_name"]
        self.cache_size = state["cache_size"]
        self._setup()

    def _setup(self) -> None:
        self._backend = None
        self._cache: dict[str, _Doc] = {}
        self._lock = threading.Lock()
        # lexicon words are stopwords' betters: a listed word is never dropped
        self._drop = (self.stopwords | _PUNCTUATION) - set(self.kinds)
        self._kind_of = self.kinds.get
        self.signature = hashlib.sha256(
            repr((TOKENIZER_VERSION, self.words, sorted(self.stopwords), sorted(self.kinds.items()))).encode("utf-8")
        ).hexdigest()[:16]

    @property
    def backend(self):
        if self._backend is None:
            self._backend = _backend(self.backend_name, tuple(dict.fromkeys([*self.words, *self.kinds])))
        return self._backend

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tokenizer) and other.signature == self.signature

    def __hash__(self) -> int:
        return hash(self.signature)

    def __repr__(self) -> str:
        return f"Tokenizer({len(self.words)} words, {len(self.stopwords)} stopwords, backend={self.backend_name})"

    # -- tokens ----------------------------------------------------------
    def cut(self, text: str) -> list[str]:
        """All segments of the normalised text (jieba's ``lcut``), nothing removed."""
        return self.backend.cut(normalize(text))

    def tokens(self, text: str) -> list[str]:
        """The tokens the models see: segments without whitespace, punctuation or stopwords."""
        return list(self.doc(text).tokens)

    def words_only(self) -> Tokenizer:
        """This tokenizer without the 舆情 lexicon: the text's own words, segmented by the locality's
        dictionary alone (for grouping posts by content, where the lexicon's compounds and kind tokens
        join stories that only share a kind of harm: pairwise F1 0.893 with them, 0.908 without)."""
        if not self.kinds:
            return self
        return Tokenizer(None, words=self.words, stopwords=self.stopwords, backend=self.backend_name,
                         cache_size=self.cache_size, lexicon=False)

    def doc(self, text: str):
        """The normalised text and its tokens, as a :class:`yuqing.classify.features.Doc`.

        Recent texts are cached (reposts and duplicates are common), so a text
        seen again costs a dictionary lookup.
        """
        cache = self._cache
        if self.cache_size:
            hit = cache.get(text)
            if hit is not None:
                return hit
        norm = normalize(text) if text else ""
        drop = self._drop
        tokens = list(filterfalse(drop.__contains__, self.backend.cut(norm))) if norm else []
        if self.kinds and tokens:
            tokens.extend(filter(None, map(self._kind_of, tokens)))
        doc = _Doc(norm, tokens)
        if self.cache_size:
            cache[text] = doc  # a dict keeps insertion order: the oldest entry goes first
            if len(cache) > self.cache_size:
                with self._lock:
                    while len(cache) > self.cache_size:
                        try:
                            del cache[next(iter(cache))]
                        except (KeyError, RuntimeError, StopIteration):  # another thread got there first
                            break
        return doc

    def tokens_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.tokens(t) for t in texts]


def _read_stopword_file(cfg) -> list[str]:
    path = Path(cfg.classify.stopwords)
    if not path.is_absolute() and cfg.path is not None:
        path = cfg.path.parent / path
    try:
        return _read_words(path.read_text(encoding="utf-8"))
    except OSError as e:
        from yuqing.errors import YuqingError

        raise YuqingError(f"classify.stopwords: cannot read {path}: {e.strerror}") from e
    except UnicodeDecodeError as e:
        from yuqing.errors import YuqingError

        raise YuqingError(f"classify.stopwords: {path} is not UTF-8 text") from e
