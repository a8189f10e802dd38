"""Labelled training data: the shipped corpus (with the locality filled in) and CSV files an office supplies.

The shipped corpus is ``classify/data/posts/*.jsonl``: posts we wrote
ourselves in the styles real posts have (Weibo posts and reposts, news-account
posts, news, board letters, forum threads, 公众号 openings), each labelled by
its writer with ``negative`` (舆情负面; ``null`` on a post that is no public matter, written for the
public-matter model only and left out of the negativity task), ``public`` (a public matter),
``topic`` (risk area) and, for the posts that name the place, ``relevant``;
``BRIEF.md`` beside them is the labelling guide. Place names are placeholders
(``{locality}``, ``{alias}``, ``{unit}``, ``{other}``, ``{othercity}``) that
:func:`shipped` fills from the deployment's configuration, deterministically,
so every deployment trains on posts naming its own county, towns and offices.

The relevance model learns ``public``: whether a post is about a public matter
at all. Whether it is about *this* place is read by rules
(:mod:`yuqing.classify.places`); ``relevant`` measures the two together
(``tests/test_classify_corpus.py``).

:func:`read_csv` reads an office's ``text,label[,title]`` file and says in one
line what is wrong with a bad one.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from yuqing.errors import YuqingError

TASKS = ("relevance", "topic", "negativity")

#: placeholder values for a deployment without sub-units, officials or terms
_DEFAULT_UNITS = ["城关镇", "新华街道", "和平社区", "大石村", "东风村"]
_DEFAULT_OFFICIALS = ["县长", "县委书记", "镇长", "副县长", "镇党委书记"]
_OTHER_PLACES = ["临川县", "青山县", "石门县", "长宁区", "河西市", "柳城县", "南岭镇", "金沙县", "白马县", "望江县"]
_OTHER_UNITS = ["红旗镇", "向阳街道", "新村社区", "石桥村", "桃园镇", "长安街道"]
_OTHER_TERMS = ["人民路", "第二中学", "滨江大道", "开发区", "中心医院"]
_SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗"
_SUFFIXES = ("自治县", "自治州", "新区", "县", "区", "市", "镇", "乡", "街道", "村", "旗", "州")


#: accepted instead of a ``text`` column (review sets name it review, scraped sets content)
TEXT_ALIASES = ("review", "content", "内容", "正文")


@dataclass
class Example:
    text: str
    label: str
    title: str = ""


def stem(name: str) -> str:
    """The locality's name without its administrative suffix (云溪县 → 云溪)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class Filler:
    """Fills the corpus placeholders from a configuration, the same way every time."""

    def __init__(self, cfg, seed: int = 0):
        loc = cfg.locality if cfg is not None else None
        name = loc.name if loc else "清河县"
        self.name = name
        self.localities = [name, *(loc.aliases if loc else [])]
        base = stem(name)
        self.units = list(loc.units) if loc and loc.units else _DEFAULT_UNITS
        self.officials = list(loc.officials) if loc and loc.officials else _DEFAULT_OFFICIALS
        self.terms = list(loc.terms) if loc and loc.terms else [f"{base}大道", f"{base}一中", f"{base}人民医院"]
        lookalikes = list(loc.lookalikes) if loc and loc.lookalikes else []
        if not lookalikes:
            own = name[len(base):]
            lookalikes = [base + s for s in ("区", "市", "镇", "县") if s != own][:2]
        self.lookalikes = lookalikes
        self.alias = (loc.aliases[0] if loc and loc.aliases else base)
        own = [name, *self.localities, *self.units]
        self.other_cities = [f"{c}市" for c in _cities() if not any(c in o or o in c for o in own)]
        self.seed = seed

    def fill(self, text: str, key: int) -> str:
        if "{" not in text:
            return text
        rng = random.Random(self.seed * 1_000_003 + key)
        values = {
            "locality": lambda: rng.choice(self.localities),
            "name": lambda: self.name,
            "unit": lambda: rng.choice(self.units),
            "official": lambda: rng.choice(self.officials),
            "term": lambda: rng.choice(self.terms),
            "lookalike": lambda: rng.choice(self.lookalikes),
            "other": lambda: rng.choice(_OTHER_PLACES),
            "othercity": lambda: rng.choice(self.other_cities),
            "other_unit": lambda: rng.choice(_OTHER_UNITS),
            "other_term": lambda: rng.choice(_OTHER_TERMS),
            "alias": lambda: self.alias,
            "alias_person": lambda: rng.choice(_SURNAMES) + self.alias,
            "person": lambda: rng.choice(_SURNAMES) + rng.choice(["某", "某某"]),
            "num": lambda: str(rng.randint(2, 9)),
            "money": lambda: rng.choice(["三万元", "十二万元", "八千元", "五十万元", "两百多万元", "1.2亿元"]),
            "date": lambda: f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
            "year": lambda: str(rng.randint(2015, 2024)),
        }

        def sub(m: re.Match) -> str:
            f = values.get(m.group(1))
            return f() if f else m.group(0)

        return re.sub(r"\{(\w+)\}", sub, text)


def _cities() -> list[str]:
    """Prefecture-level cities of the gazetteer (for ``{othercity}``), in a fixed order."""
    from yuqing.classify.places import PROVINCES, gazetteer

    _names, province_of = gazetteer()
    return sorted(c for c in province_of if c not in PROVINCES and len(c) >= 2)


#: the label each task learns from a post of the shipped corpus
_TASK_LABEL = {
    "relevance": lambda post: "相关" if post["public"] else "无关",
    "negativity": lambda post: "负面" if post["negative"] else "非负面",
    "topic": lambda post: post["topic"],
}


def _post_files():
    folder = resources.files("yuqing.classify").joinpath("data", "posts")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".jsonl")), key=lambda f: f.name)


def shipped_posts() -> list[dict]:
    """Every post of the shipped corpus, as written (placeholders unfilled), in a fixed order."""
    posts = []
    for f in _post_files():
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                post = json.loads(line)
                post["file"], post["line"] = f.name, n
                posts.append(post)
    return posts


def shipped(task: str, cfg=None, topics: list[str] | None = None) -> list[Example]:
    """The shipped corpus for a task, placeholders filled from ``cfg``.

    The topic task learns from the posts about public matters only (a risk area is a public matter's;
    classify files every other post under 其他). Labels not among ``topics`` (the deployment's
    configured list) become 其他 when that is configured, else are left out.
    """
    if task not in TASKS:
        raise YuqingError(f"unknown task {task!r}; allowed: {', '.join(TASKS)}")
    filler = Filler(cfg)
    label_of = _TASK_LABEL[task]
    out = []
    for i, post in enumerate(shipped_posts()):
        if task == "topic" and not post["public"]:
            continue
        if task == "negativity" and post.get("negative") is None:
            continue  # written for what it is about, not for its tone
        label = label_of(post)
        if task == "topic" and topics is not None and label not in topics:
            if "其他" not in topics:
                continue
            label = "其他"
        out.append(Example(filler.fill(post["text"], 2 * i), label, filler.fill(post.get("title") or "", 2 * i + 1)))
    return out


def shipped_hash(task: str) -> str:
    """A hash of the shipped corpus (every task reads all of it) and of the task's labelling."""
    h = hashlib.sha256(task.encode())
    for f in _post_files():
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def read_csv(path: str | Path, require_label: bool = True) -> list[Example]:
    """Rows of a ``text,label[,title]`` CSV (UTF-8, with or without BOM); a bad file is one clear error."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise YuqingError(f"{path}: no such file") from None
    except OSError as e:
        raise YuqingError(f"{path}: cannot read: {e.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it looks like GBK/GB18030: save it as UTF-8)"
        except UnicodeDecodeError:
            pass
        raise YuqingError(f"{path}: not UTF-8 text at byte {e.start}{hint}") from None
    if not text.strip():
        raise YuqingError(f"{path}: the file is empty; expected a header row with columns text,label[,title]")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "text" not in header:  # common names of the text column in published data sets
            for alias in TEXT_ALIASES:
                if alias in header:
                    header[header.index(alias)] = "text"
                    break
        reader.fieldnames = header
        need = ["text", "label"] if require_label else ["text"]
        missing = [c for c in need if c not in header]
        if missing:
            raise YuqingError(
                f"{path}: missing column(s) {', '.join(missing)}; the header has {', '.join(header) or 'nothing'}"
                f" (expected text,label[,title])"
            )
        rows = []
        for n, row in enumerate(reader, start=2):
            body = (row.get("text") or "").strip()
            title = (row.get("title") or "").strip()
            label = (row.get("label") or "").strip()
            if not body and not title:
                continue
            if require_label and not label:
                raise YuqingError(f"{path}: row {n} has text but no label")
            rows.append(Example(body, label, title))
    except csv.Error as e:
        raise YuqingError(f"{path}: not a valid CSV file: {e}") from None
    if not rows:
        raise YuqingError(f"{path}: no rows with text")
    return rows


def data_hash(examples: list[Example]) -> str:
    h = hashlib.sha256()
    for e in examples:
        h.update(f"{e.title}\x1f{e.text}\x1f{e.label}\x1e".encode())
    return h.hexdigest()
