"""How grading's cost grows: one batch of 1k–64k real-style posts, and 1,000 new posts against a store
holding 1k–100k open events. Used by ``bench_grading``; each size runs in a process of its own so that
its peak memory is its own (``python grading_scale.py batch N`` or ``store N`` prints one JSON line).

The posts are real: Weibo posts and citizen messages from ``../shared/data`` (about 9,400). Past that
they are repeated, each copy a week or more after the original with its figures changed and a lead
or a clause varied, so a copy reads as a follow-up of the same story, not as the same post.
"""
from __future__ import annotations

import csv
import gc
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import OneCore, locality, shared

HERE = Path(__file__).resolve().parent
LEADS = ("", "转：", "网友反映：", "【关注】", "求扩散 ", "最新：", "有人说", "听说")
#: when the new posts of the store benchmark come; the open events lie in the year before
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def real_posts() -> list[dict] | None:
    """Weibo posts and citizen messages as grading input, or None when ../shared/data is absent."""
    weibo, votes, replies = shared("weibo_ced", "posts.jsonl"), shared("complaints", "messages_votes.csv"), \
        shared("complaints", "messages_replies.csv")
    if not (weibo and votes and replies):
        return None
    out = []
    for line in weibo.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        out.append({"id": f"w{d['id']}", "text": d["text"], "published_at": d["time"], "reposts": d.get("reposts"),
                    "comments": d.get("comments"), "likes": d.get("likes"), "author_followers": d.get("user_followers"),
                    "source": "weibo"})
    for path, tag in ((votes, "v"), (replies, "r")):
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                if (r.get("text") or "").strip():
                    out.append({"id": f"{tag}{r['id']}", "title": r["title"], "text": r["text"], "source": "board",
                                "published_at": r["time"].replace(" ", "T") + "+08:00"})
    return out


def _vary(post: dict, copy: int, rng: random.Random) -> dict:
    """A copy of a post ``copy`` weeks (and some hours) later, its figures changed, its lead varied."""
    d = dict(post)
    when = datetime.fromisoformat(post["published_at"]) + timedelta(days=7 * copy, hours=rng.uniform(0, 48))
    text = re.sub(r"\d", lambda m: str((int(m.group(0)) + copy) % 10), post["text"])
    clauses = re.split(r"(?<=[，。！？])", text)
    if len(clauses) > 3:
        del clauses[rng.randrange(1, len(clauses))]
    d.update(id=f"{post['id']}~{copy}", published_at=when.isoformat(), text=rng.choice(LEADS) + "".join(clauses))
    return d


def posts(n: int, seed: int = 0, skip: int = 0) -> list[dict]:
    """``n`` posts: the real ones shuffled (the first ``skip`` of them left out), then varied copies."""
    base = real_posts() or []
    rng = random.Random(seed)
    rng.shuffle(base)
    base = base[skip:]
    out = base[:n]
    copy = 1
    while len(out) < n and base:
        out += [_vary(p, copy, rng) for p in base[: n - len(out)]]
        copy += 1
    return out


def _config(data_dir: Path, model_dir: Path):
    from yuqing.config import from_dict

    return from_dict({"locality": locality(), "storage": {"data_dir": str(data_dir)},
                      "classify": {"model_dir": str(model_dir)}})


def _records(rows: list[dict]):
    from yuqing.intake import record_from_json

    records = []
    for i, p in enumerate(rows):
        r = record_from_json(p, line=i + 1, prefix="scale:")
        r.negativity, r.topic = 0.5, "其他"  # as classify left them: grading alone is timed
        records.append(r)
    return records


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        return int(f.read().split(f"{field}:")[1].split()[0]) / 1024


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _reset_peak() -> None:
    """Start the process's peak memory afresh (Linux), so that loading the models does not count."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_mb() -> float:
    try:
        return _status_mb("VmHWM")
    except (OSError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: posts the host's reference rate is measured on
REFERENCE_POSTS = 2000


def bare_jieba_rate(texts: list[str]) -> float:
    """Posts per second of bare ``jieba.lcut`` on these texts, in this process (the host's speed, as the
    classify benchmark's reference: the same code runs at about half the speed on a slow day of this host)."""
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    start = time.perf_counter()
    for t in texts:
        jieba.lcut(t)
    return len(texts) / (time.perf_counter() - start)


def batch(n: int, model_dir: Path) -> dict:
    """Group and grade ``n`` posts given at once (``yuqing grade --input``), on one core."""
    from yuqing.grading.api import Grader, grade_records

    with tempfile.TemporaryDirectory() as tmp:
        cfg = _config(Path(tmp), model_dir)
        grader = Grader.for_config(cfg)
        given = posts(n)
        records = _records(given)
        before = _rss_mb()
        _reset_peak()
        with OneCore():
            start = time.perf_counter()
            results = grade_records(cfg, records, grader)
            seconds = time.perf_counter() - start
            peak = _peak_mb()  # (before jieba's dictionary is loaded for the reference)
            bare = bare_jieba_rate([f"{r.title or ''} {r.text or ''}" for r in records[:REFERENCE_POSTS]])
    origin = {r.id: p["id"].split("~")[0] for r, p in zip(records, given)}
    sizes = Counter(ev.id for _, ev, _, _ in results)
    return {"posts": len(records), "events": len(sizes), "seconds": round(seconds, 2),
            "posts_per_s": round(len(records) / seconds, 1), "bare_jieba_posts_per_s": round(bare, 1),
            "vs_bare_jieba": round(len(records) / seconds / bare, 3), "rss_before_mb": round(before),
            "peak_rss_mb": round(peak), "largest_event": max(sizes.values(), default=0),
            **origin_pairs([(origin[r.id], ev.id) for r, ev, _, _ in results])}


def origin_pairs(assigned: list[tuple[str, int]]) -> dict:
    """How the merges look on posts whose story is known in part: a real post and its varied copies (one
    origin) belong together, and distinct real posts mostly do not. Pairwise precision (a lower bound: two
    real posts may tell one story) and recall of "same origin" among the posts put in one event."""
    by_event: dict[int, Counter] = {}
    for org, event in assigned:
        by_event.setdefault(event, Counter())[org] += 1
    together = sum(n * (n - 1) // 2 for c in by_event.values() for n in [sum(c.values())])
    right = sum(n * (n - 1) // 2 for c in by_event.values() for n in c.values())
    should = sum(n * (n - 1) // 2 for n in Counter(org for org, _ in assigned).values())
    if not should:  # no copies (the real posts alone): nothing known to judge the merges by
        return {"origin_pair_precision": None, "origin_pair_recall": None}
    return {"origin_pair_precision": round(right / together, 4) if together else None,
            "origin_pair_recall": round(right / should, 4)}


def store(open_events: int, model_dir: Path, new_posts: int = 1000) -> dict:
    """Grade ``new_posts`` pending posts in a SQLite store that holds ``open_events`` open events, their last
    posts spread over the year before (each a real post's grouping state)."""
    from sqlalchemy import insert
    from yuqing.grading.api import Grader, grade_pending

    from yuqing.deployment import Deployment
    from yuqing.models import Event

    # the same new posts whatever the store holds, and open events about other stories: what is measured is
    # the cost of holding open events, not of more new posts finding their story
    new, old = posts(new_posts, seed=1), posts(open_events, seed=1, skip=new_posts)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = _config(Path(tmp), model_dir)
        dep = Deployment.open(cfg)
        try:
            grader = Grader.for_config(cfg)
            grouper = grader.grouper()
            rng = random.Random(2)
            states, seen = [], {}
            for r in _records(old):
                key = r.text[:200]
                if key not in seen:  # a post repeated past the real ones has the state of its original
                    state = grader.state_from_posts(0, [r])
                    seen[key] = {"grouping": state.to_features(grouper.vocab)}
                last = NOW - timedelta(days=rng.uniform(0, 365))
                states.append({"status": "open", "title": (r.title or r.text)[:60], "level": 1, "post_count": 1,
                               "first_seen_at": last, "first_published_at": last, "last_post_at": last,
                               "features": seen[key]})
            with dep.sessions() as s, s.begin():
                for i in range(0, len(states), 5000):
                    s.execute(insert(Event), states[i:i + 5000])
            pending = _records(new)
            for i, r in enumerate(pending):  # the new posts of the last two days
                r.published_at = r.fetched_at = NOW - timedelta(hours=48 * i / len(pending))
                r.relevant, r.relevance, r.classified_at = True, 1.0, NOW
            dep.posts.add(pending)
            # the rows written are the store's now: a deployment grading them holds none of them in memory (a
            # process holding 100k event dicts would pay for them at every garbage collection)
            del states, seen
            gc.collect()
            with OneCore():
                start = time.perf_counter()
                report = grade_pending(dep, now=NOW)
                seconds = time.perf_counter() - start
        finally:
            dep.close()
    return {"open_events": open_events, "new_posts": report.graded_posts, "seconds": round(seconds, 2),
            "new_events": len(report.created), "joined_events": len(report.updated)}


def run_in_child(kind: str, n: int, model_dir: Path, new_posts: int = 1000) -> dict:
    """One measurement in a fresh process (its peak memory is its own)."""
    out = subprocess.run([sys.executable, str(Path(__file__)), kind, str(n), str(model_dir), str(new_posts)],
                         capture_output=True, text=True, cwd=HERE, check=False)
    if out.returncode != 0:
        return {"failed": (out.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    what, size, models, new = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(batch(size, models) if what == "batch" else store(size, models, new)))
