"""Traditional characters read as simplified ones.

The 舆情 lexicon, the rubric's words, the locality's names and the models' training
posts are all written in simplified characters, while some posts an office sees are
in traditional ones (Hong Kong, Taiwan and overseas users, 繁體 input): 錢到哪裏去了,
長沙縣, 災民. What is *read* (matched against the locality's names when crawled,
segmented, matched against the lexicons and the places, scored, counted for a
快报) is the text turned into simplified characters by OpenCC's ``t2s``
conversion (phrases first, so 乾隆 stays 乾隆); what is stored and shown stays as
posted. Most texts hold no character the conversion changes, and for those a
single search of a character class decides it and the text is returned as it is.
"""
from __future__ import annotations

import re
from functools import lru_cache

import opencc

_CONVERTER = opencc.OpenCC("t2s")
#: the CJK unified ideographs (and their extension A) that ``t2s`` changes when they stand alone
_BLOCKS = [*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)]


@lru_cache(maxsize=1)
def _traditional() -> re.Pattern:
    chars = [chr(c) for c in _BLOCKS]
    converted = _CONVERTER.convert("\n".join(chars)).split("\n")
    changed = [c for c, s in zip(chars, converted) if c != s]
    return re.compile("[" + "".join(changed) + "]")


def simplified(text: str) -> str:
    """The text in simplified characters (the text itself when it holds no character ``t2s`` changes)."""
    if not text or _traditional().search(text) is None:
        return text
    return _CONVERTER.convert(text)
