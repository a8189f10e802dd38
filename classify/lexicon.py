"""The 舆情 lexicon: words that tell of harm to the public, grouped by kind (``classify/data/lexicon.yaml``).

The tokenizer keeps every lexicon word whole and adds one token per word found
that names its kind (``〔死亡〕`` for 遇难, 罹难 or 溺亡 alike), so the models
learn what a kind of word means from the words our training posts use and apply
it to the kind's other words, which real posts use and ours may not.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

#: kind → the token the models see (Chinese, so explanations read naturally)
KIND_TOKENS = {
    "death": "〔死亡〕", "injury": "〔受伤〕", "disaster": "〔灾害〕", "accident": "〔事故〕", "crime": "〔违法犯罪〕",
    "corruption": "〔腐败滥权〕", "grievance": "〔诉求不满〕", "protest": "〔聚集抗议〕", "hazard": "〔安全隐患〕",
    "panic": "〔传言恐慌〕", "tragedy": "〔悲剧〕", "conflict": "〔冲突〕", "negation": "〔否定伤害〕",
    "idiom": "〔口语夸张〕",
}
#: the kinds that tell of harm (negation and idiom tell the opposite)
HARM_KINDS = tuple(k for k in KIND_TOKENS if k not in ("negation", "idiom"))


@lru_cache(maxsize=1)
def load() -> dict[str, tuple[str, ...]]:
    """kind → words, as listed in the lexicon file."""
    text = resources.files("yuqing.classify").joinpath("data", "lexicon.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    unknown = sorted(set(data) - set(KIND_TOKENS))
    if unknown:
        raise ValueError(f"lexicon.yaml: unknown kind(s) {', '.join(unknown)}")
    return {kind: tuple(dict.fromkeys(str(w).strip().lower() for w in words if str(w).strip()))
            for kind, words in data.items()}


@lru_cache(maxsize=1)
def word_tokens() -> dict[str, str]:
    """word → its kind's token. A word listed under several kinds takes the first: idioms, then negations, then
    the harm kinds in the file's order (笑死 is an idiom, not a death). Words of jieba's dictionary that hold a
    listed word (自杀身亡, 拐卖儿童, 致癌物质) take the kind of the longest one they hold, since jieba keeps
    them whole."""
    kinds = load()
    out: dict[str, str] = {}
    for kind in ("idiom", "negation", *[k for k in kinds if k not in ("idiom", "negation")]):
        for word in kinds.get(kind, ()):
            out.setdefault(word, KIND_TOKENS[kind])
    listed = sorted((w for w in out if len(w) >= 2), key=len, reverse=True)
    if listed:
        pattern = re.compile("|".join(map(re.escape, listed)))
        for word in _jieba_words():
            if len(word) > 2 and word not in out:
                m = pattern.search(word)
                if m:
                    out[word] = out[m.group()]
    return out


def _jieba_words() -> list[str]:
    """The words of jieba's own dictionary (the one rjieba embeds too)."""
    import jieba

    path = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    try:
        with open(path, encoding="utf-8") as f:
            return [line.split(" ", 1)[0] for line in f]
    except OSError:  # pragma: no cover - jieba ships its dictionary
        return []


__all__ = ["HARM_KINDS", "KIND_TOKENS", "load", "word_tokens"]
