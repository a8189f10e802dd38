"""The labelled real posts of ``../shared/data/dev`` (by reference), joined with their source posts.

The dev sets hold ids, labels and rationales only; the posts stay in the real
sets they come from (Weibo posts of the CED rumour dataset, citizen messages to
a city board). ``dev/join.py`` joins the negativity and severity sets into the
input of ``yuqing grade --input``; this module runs it and joins the two
relevance sets the same way, with the locality configuration each was labelled
for. Nothing here is copied into the repository.

Each set is split by a hash of the post id into halves ``A`` and ``B``: errors
were read on half A only while the judgement was developed, so half B's figures
show how well what was learned carries over to posts nobody looked at.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib.util
import io
import json
from pathlib import Path

from common import SHARED_DATA

DEV = SHARED_DATA / "dev"
#: the fields ``yuqing grade --input`` and ``yuqing classify predict --input`` read
INPUT_FIELDS = ("id", "text", "title", "source", "url", "published_at", "reposts", "comments", "likes",
                "author_followers", "author_verified", "media_level")


def available() -> bool:
    return (DEV / "join.py").exists() and (SHARED_DATA / "weibo_ced" / "posts.jsonl").exists()


def half(post_id: str) -> str:
    """'A' (read while developing) or 'B' (measured only), fixed by the id."""
    return "A" if int(hashlib.sha1(post_id.encode()).hexdigest(), 16) % 2 == 0 else "B"


def _join(name: str) -> list[dict]:
    spec = importlib.util.spec_from_file_location("dev_join", DEV / "join.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = module.main([name, "--shared", str(SHARED_DATA.parent)])
    if status not in (None, 0):
        raise RuntimeError(f"dev/join.py {name} failed with status {status}")
    return [json.loads(line) for line in buf.getvalue().splitlines() if line.strip()]


def negativity() -> list[dict]:
    """620 posts with ``negative`` (1 = 负面)."""
    return _join("negativity")


def severity() -> list[dict]:
    """300 posts with ``level`` (特别重大 / 重大或较大 / 一般 / 影响较小)."""
    return _join("severity")


def localities() -> dict[str, dict]:
    import yaml

    data = yaml.safe_load((DEV / "relevance_localities.yaml").read_text(encoding="utf-8"))
    return {loc["key"]: loc for loc in data["localities"]}


def locality_config(key: str) -> dict:
    """The ``locality`` section a deployment for this dev set would have."""
    loc = localities()[key]
    return {k: loc[k] for k in ("name", "aliases", "units", "lookalikes")}


def relevance(key: str) -> list[dict]:
    """Posts of one relevance set (``beijing`` over Weibo posts, ``a`` over citizen messages) with ``relevant``."""
    loc = localities()[key]
    labels = [json.loads(line) for line in (DEV / loc["dev_file"]).read_text(encoding="utf-8").splitlines() if line]
    rows = []
    if loc["source"].startswith("weibo_ced"):
        posts = {}
        for line in (SHARED_DATA / loc["source"]).read_text(encoding="utf-8").splitlines():
            if line.strip():
                p = json.loads(line)
                posts[loc["id_prefix"] + p["id"]] = p
        for lab in labels:
            rows.append(_weibo_row(posts[lab["id"]], lab, ("relevant", "rationale")))
    else:
        msgs: dict[str, dict] = {}
        with open(SHARED_DATA / loc["source"], encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                msgs.setdefault(loc["id_prefix"] + r["id"], r)
        for lab in labels:
            r = msgs[lab["id"]]
            t = r["time"].strip()
            rows.append({"id": lab["id"], "text": r["text"].replace("_x000D_", ""), "title": r["title"],
                         "source": "message_board", "url": "",
                         "published_at": (t if len(t) > 10 else t + " 00:00:00").replace(" ", "T", 1) + "+08:00",
                         "reposts": 0, "comments": 0, "likes": 0, "author_followers": None,
                         "author_verified": None, "media_level": "self",
                         "relevant": lab["relevant"], "rationale": lab["rationale"]})
    return rows


def _weibo_row(post: dict, label: dict, fields: tuple[str, ...]) -> dict:
    """A CED Weibo post as a dev row (the input of ``--input``), with the label's ``fields``."""
    return {"id": label["id"], "text": post["text"], "title": "", "source": "weibo", "url": "",
            "published_at": post["time"], "reposts": post["reposts"], "comments": post["comments"],
            "likes": post["likes"], "author_followers": post["user_followers"],
            "author_verified": post["user_verified"], "media_level": "self", **{k: label[k] for k in fields}}


def as_input(row: dict) -> dict:
    """A dev row as one line of ``--input`` (its labels left out)."""
    return {k: row[k] for k in INPUT_FIELDS if k in row}


#: our own labels (舆情负面, by the dev conventions) of real posts in neither the negativity nor the severity set: a
#: random sample of the Weibo posts and of the citizen messages of ``complaints/messages_votes.csv`` (``data/README.md``)
POOL_LABELS = Path(__file__).resolve().parent / "data" / "pool_negativity.jsonl"
#: our own severity labels (by the dev conventions) of real posts in neither set: Weibo posts picked as the severity
#: set's were, and a random sample of the citizen messages (``data/README.md``)
POOL_SEVERITY_LABELS = Path(__file__).resolve().parent / "data" / "pool_severity.jsonl"


#: our own relevance labels of the Weibo posts naming one of ten other cities (上海, 广州, 成都, 深圳, 南京 and, labelled
#: before the judgement was run on them, 杭州, 武汉, 重庆, 天津, 西安), with the locality configuration each was labelled
#: for (``data/README.md``)
POOL_RELEVANCE_LABELS = Path(__file__).resolve().parent / "data" / "pool_relevance.jsonl"
POOL_RELEVANCE_LOCALITIES = Path(__file__).resolve().parent / "data" / "pool_relevance_localities.yaml"


def _pool(path: Path) -> list[dict]:
    """Labelled pool posts (``path``: ids and our labels) joined with their text, as dev rows with the labels' fields."""
    labels = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    weibo = {}
    for line in (SHARED_DATA / "weibo_ced" / "posts.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        weibo[f"ced-{d['id']}"] = d
    with open(SHARED_DATA / "complaints" / "messages_votes.csv", encoding="utf-8", newline="") as f:
        votes = {f"votes-{r['id']}": r for r in csv.DictReader(f)}
    rows = []
    for lab in labels:
        extra = {k: v for k, v in lab.items() if k not in ("id", "source")}
        if lab["source"] == "weibo":
            d = weibo[lab["id"]]
            rows.append({"id": lab["id"], "text": d["text"], "title": "", "source": "weibo",
                         "published_at": d["time"], "reposts": d.get("reposts"), "comments": d.get("comments"),
                         "likes": d.get("likes"), "author_followers": d.get("user_followers"), **extra})
        else:
            r = votes[lab["id"]]
            rows.append({"id": lab["id"], "text": r["text"], "title": r["title"], "source": "message_board",
                         "published_at": r["time"].replace(" ", "T") + "+08:00", "reposts": 0, "comments": 0,
                         "likes": 0, **extra})
    return rows


def pool_negativity() -> list[dict]:
    """The labelled pool posts joined with their text, as ``negativity()`` rows (no half: all of them are a third
    sample, labelled by us after the dev sets were)."""
    return _pool(POOL_LABELS)


def pool_severity() -> list[dict]:
    """The severity pool posts joined with their text, as ``severity()`` rows with ``picked`` (how each was drawn)."""
    return _pool(POOL_SEVERITY_LABELS)


def pool_relevance() -> dict[str, tuple[dict, list[dict]]]:
    """For each of the relevance pool's cities: its ``locality`` configuration and its posts as ``relevance()``
    rows (Weibo posts with ``relevant``, ``rationale`` and ``picked``: ``naming`` or ``naming_blind`` for the ten cities,
    ``county`` for the counties)."""
    import yaml

    locs = yaml.safe_load(POOL_RELEVANCE_LOCALITIES.read_text(encoding="utf-8"))["localities"]
    labels = [json.loads(line) for line in POOL_RELEVANCE_LABELS.read_text(encoding="utf-8").splitlines() if line]
    posts = {}
    for line in (SHARED_DATA / "weibo_ced" / "posts.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            p = json.loads(line)
            posts[f"ced-{p['id']}"] = p
    out = {}
    for loc in locs:
        rows = []
        for lab in labels:
            if lab["locality"] != loc["key"]:
                continue
            rows.append(_weibo_row(posts[lab["id"]], lab, ("relevant", "rationale", "picked")))
        out[loc["key"]] = ({k: loc[k] for k in ("name", "aliases", "units", "lookalikes")}, rows)
    return out


def complaints() -> list[dict]:
    """The 330 citizen messages of ``complaints/labeled.csv`` with their first-level category."""
    with open(SHARED_DATA / "complaints" / "labeled.csv", encoding="utf-8", newline="") as f:
        return [{"id": r["id"], "title": r["title"], "text": r["text"].replace("_x000D_", ""), "label": r["label"]}
                for r in csv.DictReader(f)]
