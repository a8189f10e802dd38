"""Classify posts: is each about the locality (relevance), which risk area (topic), how negative.

Other stages call two functions:

* :func:`classify_records` fills ``relevant``, ``relevance``, ``topic``,
  ``negativity``, ``explanation`` and ``classified_at`` of
  :class:`~yuqing.store.PostRecord` values (in place, and returns them);
* :func:`classify_pending` does that for the posts the store has not
  classified yet and writes the results back through ``posts.update``.

Models come from the deployment's model directory (:mod:`.registry`). When a
task has no model yet, one is trained from the shipped corpus with the
locality's names filled in (deterministic, a few seconds) and saved there.
Each batch is segmented once and the three models share the segmentation.
"""
from __future__ import annotations

import gc
import math
import re

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from yuqing.classify.corpus import shipped, shipped_hash
from yuqing.classify.features import compose, make_docs
from yuqing.classify.model import TASKS, TITLE_REPEAT, TextModel
from yuqing.classify.places import INSTITUTION, Mentions, PlaceReader
from yuqing.hanzi import simplified
from yuqing.classify.registry import TRAINING_LOCK, ModelRegistry, folder_lock
from yuqing.classify.signals import (
    CALM_BELOW,
    NEGATIVE_AT,
    SURE_NEGATIVE,
    death_anniversary,
    harm_kinds,
    negative_by_convention,
    read_harm,
    read_signals,
)
from yuqing.classify.tokenizer import Tokenizer

from yuqing.errors import YuqingError
from yuqing.models import utcnow

log = logging.getLogger(__name__)

#: public-matter score under which a post is no public matter (its topic is 其他)
NOT_PUBLIC_BELOW = 0.5
OTHER_TOPIC = "其他"
#: posts entered by hand (群众反映) are relevant by definition
ALWAYS_RELEVANT_KINDS = frozenset({"manual"})

_cache: dict[str, tuple[float, ModelSet]] = {}
_cache_lock = threading.Lock()
_train_lock = threading.Lock()


def _config(deployment_or_config):
    return getattr(deployment_or_config, "config", deployment_or_config)


def shipped_version(task: str, tokenizer: Tokenizer, topics: Sequence[str]) -> str:
    import hashlib

    extra = hashlib.sha256("|".join(topics).encode("utf-8")).hexdigest()[:4] if task == "topic" else ""
    return f"{task}-shipped-{shipped_hash(task)[:8]}{extra}-{tokenizer.signature[:8]}"


def train_shipped(cfg, task: str, cv_folds: int = 3) -> TextModel:
    """The model of a task trained on the shipped corpus, filled in for this deployment."""
    tokenizer = Tokenizer(cfg)
    topics = list(cfg.classify.topics) if cfg is not None else None
    examples = shipped(task, cfg, topics)
    return TextModel.train(task, examples, tokenizer, cv_folds=cv_folds, source="shipped corpus",
                           version=shipped_version(task, tokenizer, topics or []))


def ensure_models(cfg) -> dict[str, Path]:
    """Make sure every task has a current model; train shipped ones where missing or outdated."""
    reg = ModelRegistry(cfg.model_dir)
    tokenizer = Tokenizer(cfg)
    out = {}
    with _train_lock, folder_lock(cfg.model_dir, TRAINING_LOCK):  # (one process trains, the others wait)
        for task in TASKS:
            path = reg.current(task)
            want = shipped_version(task, tokenizer, list(cfg.classify.topics))
            if path is not None and path.name.startswith(f"{task}-shipped-") and path.stem != want:
                log.info("the configuration changed since the shipped %s model was trained; retraining", task)
                path = None
            if path is not None and path.name.startswith(f"{task}-shipped-") and not TextModel.intact(path):
                log.warning("the shipped %s model %s does not match its metadata; training it again", task, path.name)
                path = None
            if path is None:
                target = reg.new_path(want)
                if not TextModel.intact(target):
                    log.info("training the %s model from the shipped corpus (first use)", task)
                    model = train_shipped(cfg, task)
                    model.save(target)
                reg.set_current(task, target, reason="shipped corpus", source="shipped")
                path = target
            out[task] = path
    return out


@dataclass
class ModelSet:
    """The current relevance, topic and negativity models of a deployment."""

    relevance: TextModel
    topic: TextModel
    negativity: TextModel

    @classmethod
    def for_config(cls, cfg) -> ModelSet:
        reg = ModelRegistry(cfg.model_dir)
        key = str(Path(cfg.model_dir).resolve())
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] == reg.stamp() and hit[0]:
                return hit[1]
        paths = ensure_models(cfg)
        models = cls(**{task: TextModel.load(paths[task], task) for task in TASKS})
        # the models' vocabularies are millions of long-lived objects: keep them out of the cyclic
        # garbage collector's full passes, which otherwise stall the hot path every few thousand posts
        gc.collect()
        gc.freeze()
        with _cache_lock:
            _cache[key] = (reg.stamp(), models)
        return models

    def models(self) -> dict[str, TextModel]:
        return {"relevance": self.relevance, "topic": self.topic, "negativity": self.negativity}

    def predict(self, texts: Sequence[str], explain: bool = True) -> dict[str, list]:
        """Each task's predictions for the texts, segmenting them once when the models share a tokenizer."""
        from yuqing.classify.scoring import Scorer

        models = self.models()
        if len({m.tokenizer.signature for m in models.values()}) == 1:
            scorer = getattr(self, "_scorer", None)
            if scorer is None:
                scorer = self._scorer = Scorer(models)
            docs = make_docs(texts, self.relevance.tokenizer)
            scored = scorer.score(docs)
            return {task: m.predictions(scored[task], explain) for task, m in models.items()}
        return {task: m.predict(texts, explain) for task, m in models.items()}


_readers: dict[tuple, PlaceReader] = {}


def place_reader(cfg) -> PlaceReader:
    """The deployment's :class:`PlaceReader` (cached per locality)."""
    loc = cfg.locality
    key = (loc.name, tuple(loc.aliases), tuple(loc.units), tuple(loc.terms), tuple(loc.lookalikes))
    reader = _readers.get(key)
    if reader is None:
        reader = _readers[key] = PlaceReader(loc)
    return reader


def _name_optional(cfg, rec) -> bool:
    """Need the post name the locality? Not for hand entries, nor for a configured source that is about the
    locality anyway (``require_locality: false``, such as the county's own 留言板)."""
    if rec.kind in ALWAYS_RELEVANT_KINDS:
        return True
    for source in cfg.sources:
        if source.name == rec.source:
            return not source.require_locality
    return False


#: share of the public-matter score a post keeps when it names the locality only once and loosely (below any
#: threshold, so it is not relevant, but it ranks above posts that do not point at the place at all)
LOOSE_FACTOR = 0.5
#: … and when it does not point at the locality (only passing mentions, another place's title, no name)
OFF_PLACE_FACTOR = 0.2


def place_gate(cfg, rec, mentions: Mentions) -> str:
    """How the post points at the locality: ``firm`` (passes the place rules), ``loose`` (names it once,
    loosely) or ``off`` (does not point at it: no name, only passing mentions, another place's title)."""
    if rec.kind in ALWAYS_RELEVANT_KINDS:
        return "firm"
    points = mentions.names_it and not mentions.elsewhere
    firmly = points and mentions.firmly
    if not points and _name_optional(cfg, rec) and not mentions.elsewhere and not mentions.others:
        return "firm"  # the source is about the locality and the post names no other place
    if not firmly and rec.kind == "board" and not mentions.elsewhere \
            and any(why == INSTITUTION for _, why in mentions.passing):
        # a letter to a government board about an institution named after the place (A市理工大学连续查寝, A市晚报
        # 订不起) is about the place's own: elsewhere such a name is in passing (北京大学's campus life)
        return "firm"
    if points and not firmly and rec.kind == "board" and not mentions.others:
        # a letter to a government board that names the place once and no other place (投诉伊景园滨河苑开发商捆绑销售
        # 车位！A市武广新城片区下的…) points at it: the loose single mention is a Weibo post's (北京很安全)
        return "firm"
    return "firm" if firmly else ("loose" if points else "off")


def judge_relevance(cfg, rec, public: float, threshold: float | None = None) -> tuple[bool, float, str | None, Mentions]:
    """(relevant, score, rule, mentions): is the post about a public matter (``public``, the relevance
    model's score) that happens in the locality or directly concerns it?

    The place is read by rules (:class:`~yuqing.classify.places.PlaceReader`): the post must point at the
    locality, and firmly — a street, office, resident, weather or event of the place beside its name, a
    sub-unit, the name in the title, or the name twice. One loose mention (北京很安全, 回北京第一件事, 伦敦岂能跟北京PK)
    is not enough. ``threshold`` is the public-matter score from which a post counts: the relevance model's
    own when the office calibrated it on its labels, else ``thresholds.relevance_min``.
    """
    mentions = place_reader(cfg).read(rec.title, rec.text)
    if threshold is None:
        threshold = cfg.thresholds.relevance_min
    if rec.kind in ALWAYS_RELEVANT_KINDS:
        return True, max(public, threshold), "人工录入的群众反映", mentions
    gate = place_gate(cfg, rec, mentions)
    if gate == "off":
        return False, round(public * OFF_PLACE_FACTOR, 4), mentions.reason(), mentions
    if gate == "loose":
        return (False, round(public * LOOSE_FACTOR, 4),
                "仅泛泛提及本地一次（未指向本地的具体地点、机构、人群或事件）", mentions)
    if public < threshold:
        return False, public, "非公共事务（娱乐、生活、广告、个人话题等）", mentions
    return True, public, None, mentions


def public_negativity(negative: float, public: float) -> float:
    """舆情负面: the post is negative (the negativity model) *about a public matter* (the relevance model's
    public-matter score). A sad love quote or an angry joke is negative in tone but no public matter.

    The geometric mean of the two: high only when both are, and 0.5 still the point where a post turns
    负面 (both at about 0.5, or one sure and the other at 0.25)."""
    return round(math.sqrt(max(negative, 0.0) * max(public, 0.0)), 4)


#: of a post, what is read for harm told in words (a letter's opening says what it reports)
HARM_CHARS = 2000
#: a letter of thanks or praise, as its title or first words say (感谢交警一路开道, 表扬社区网格员)
_THANKS = re.compile(r"感谢|表扬|点赞|致敬|赞扬|锦旗")
THANKS_CHARS = 20


def _told(negativity: float) -> float:
    """A score raised to negative for what the text tells: NEGATIVE_AT and a tenth, plus a tenth of the models' score
    (their order kept among such posts). Above the models' own barely-negative posts (told in so many words, it is
    surer than they are: 舆情负面 AUC on the dev set 0.936 → 0.938, against NEGATIVE_AT plus the tenth alone) and below
    SURE_NEGATIVE (spread alone still takes such a post no higher than 一般); the severity model no longer reads a
    told post as barely negative and lowers it to 影响较小 (8 of the unlabelled Weibo posts, copies of stories told
    negative, graded 一般 beside their copies)."""
    return round(NEGATIVE_AT + 0.1 + negativity / 10, 4)


#: a letter's request that a problem be dealt with (希望相关部门可以帮忙解决一下这个问题, 希望有关部门尽快整治): the close of a
#: complaint, not a question or a suggestion
_FIX_REQUEST = re.compile(r"希望[^。！？!?\n]{0,16}?(?:解决|处理|整治|整改|治理|查处|管管|管一管|管一下|维修|修复|修好|督促|取缔|制止)")


def _asks(sig, text: str) -> list[str]:
    """What a letter asks or suggests (its enquiry words), less a 希望 that only asks for its problem to be dealt with."""
    if "希望" not in sig.enquiry or not _FIX_REQUEST.search(text):
        return sig.enquiry
    return [w for w in sig.enquiry if w != "希望"]


def told_negativity(cfg, rec, negativity: float) -> tuple[float, str | None]:
    """舆情负面 with what the text tells in so many words, where the models are unsure; returns the score and, when
    it changed, why (in Chinese).

    - **Harm told**: a post scored from CALM_BELOW to NEGATIVE_AT that tells a death, an abduction, a disaster, a
      mass incident … (:func:`read_harm`, the reading the severity rubric grades by, not as a notice or good news)
      is negative, at NEGATIVE_AT and a tenth plus a tenth of its score (:func:`_told`). The dev
      set's convention (a death, a crime, an abduction, a disaster is 负面, a celebrity's or abroad too) is what a
      model trained on our own posts misses most on real ones: on the 620 labelled real posts this turns 9 of the
      11 posts it changes to their label (half A 6 of 7, half B 3 of 4).
    - **A letter that reports a problem and asks nothing**: a message-board letter scored from CALM_BELOW to NEGATIVE_AT
      that tells a complaint (坑洼, 损坏, 态度恶劣, 乱建, 违法 …) with no question, request for information or suggestion
      (请问, 建议, 希望 …) is negative, as harm told is (the convention: a letter that reports a problem is 1, however
      calmly it is put), unless it is a letter of thanks (感谢交警一路开道…早高峰堵车). Of 1,000 unlabelled letters it finds 9,
      each a problem reported when read (道路坑坑洼洼…请安排解决, 红绿灯损坏…请尽快维修, 社区办理人员态度恶劣, 乱搭乱建); two
      more it found first were an enquiry put as 想了解 (now an enquiry word) and a suggestion whose 不发达 read as 不发 (no
      longer). No letter of the dev sets is in it, so their figures do not move. A 希望 that only asks for the problem
      to be dealt with (希望有关部门及时处理, 希望…维修好) closes the complaint and asks nothing: of the 1,000 letters this
      finds 6 more, read: 4 problems reported (焚烧垃圾…严重污染, 路灯昏暗…希望维修, 培训班拖延至今未开班) and 2 suggestions
      that tell a problem (乱搭乱建…希望加快整治有何具体政策); none of the labelled ones.
    - **A letter that only asks or suggests**: a message-board letter scored from NEGATIVE_AT to SURE_NEGATIVE that
      asks or suggests (请问, 建议, 希望 …) and tells no complaint or allegation is not negative (the convention:
      pure enquiries and suggestions are 0), at its score less the band's width; harm such a letter tells is its
      background (我妈摔倒骨折，异地医保如何报销？) and raises nothing. On the dev set it turns 4 of the 5 letters it
      changes to their label (half A 2 of 2, half B 2 of 3).
    - **A nation's grievance or a boycott called over it** (勿忘国耻, 南京大屠杀纪念日, 抵制日货), scored below NEGATIVE_AT
      however calm (this and the kinds below are the conventions' own, told in so many words: two of seven copies of
      a boycott call scored 0.05 and 0.10, and so did two copies of a deadly-insect warning in the dev set's half B):
      negative, as harm told is (the convention's protest and political criticism; history's massacre is no
      casualty of now for the rubric, so it raises nothing there).
    - **A warning that something kills, poisons or makes food unsafe** (隐翅虫…接触到皮肤，就死定了！请传出去; 千万不要再买
      樱桃：今年樱桃里寄生了一种蛆虫), not on a message board: negative, the convention's safety scare and unsafe-product
      claim (a tip that claims no hazard is not).
    - **A fraud or an abduction warned of** (【恐怖新骗局】…转给身边的朋友), not on a message board: negative, the
      convention's fraud and abduction warnings. Of the 1,578 unlabelled Weibo posts it finds 23, all of them
      warnings or appeals, 2 scored below NEGATIVE_AT.
    - **A service said to start charging or to raise its fees** (微信收费将于7月1日开始), not on a message board and not
      denied (辟谣, 不会收费) nor an ad (欲购从速): negative, the convention's fee-rise and charging rumour. Of the
      1,578 unlabelled Weibo posts it finds 12 (two stories told many times), 3 of them scored below NEGATIVE_AT.
    - **Cruelty to animals** (活取猴脑, 虐猫), not on a message board: negative, as the dev labels have it (虐待动物): five
      copies of one picture's post among the unlabelled Weibo posts scored 0.01–0.03 but one 0.95.
    - **A tribute on a death's anniversary** (Jeff Buckley溺水身亡15周年, 逝世十周年, 忌日), not on a message board and telling
      no crime, cause of death or grievance (张国荣逝世十周年…系他杀 stays negative): not negative however sure the models
      are (the convention: tributes and obituaries are 0), below NEGATIVE_AT with the models' order kept.
    """
    board = getattr(rec, "kind", None) == "board"
    text = simplified(f"{rec.title or ''}\n{rec.text or ''}"[:HARM_CHARS])
    if negativity >= NEGATIVE_AT and not board and (day := death_anniversary(text)):
        # a tribute on a death's anniversary: below NEGATIVE_AT, the models' order kept among such posts
        return round(NEGATIVE_AT - 0.1 - (1 - negativity) / 10, 4), f"逝者周年悼念（{day}），非负面事件"
    if negativity >= (SURE_NEGATIVE if board else NEGATIVE_AT):
        return negativity, None
    if negativity < CALM_BELOW:  # calm to the models: only a kind the conventions name, told in so many words
        why = None if board else negative_by_convention(text)
        return (_told(negativity), why) if why else (negativity, None)
    when = rec.published_at or rec.fetched_at
    # as the rubric reads an event: what a sentence dates to a year before the post's is history retold
    year = when.astimezone(ZoneInfo(cfg.timezone)).year if when is not None else None
    sig = read_signals(text, tuple(cfg.locality.officials), year=year)
    # a letter that asks and complains of nothing tells its harm as background (我妈摔倒骨折，异地医保如何报销？)
    asks_only = board and sig.enquiry and not sig.complaint and not sig.allegations
    if read_harm(sig, negativity).harm_told and not asks_only:
        if negativity < NEGATIVE_AT:
            return _told(negativity), f"文中写明危害（{'、'.join(harm_kinds(sig))}）"
        return negativity, None
    if board and negativity < NEGATIVE_AT and sig.complaint and not _asks(sig, text) and not _THANKS.search(text[:THANKS_CHARS]):
        # a letter that reports a problem and asks nothing (道路坑坑洼洼…请安排解决, 红绿灯损坏…请尽快维修, 社区办理人员态度
        # 恶劣): the convention's letter that reports a problem, told calmly; not a letter of thanks that tells the trouble
        # it was helped out of (感谢交警一路开道…早高峰堵车)
        return _told(negativity), f"留言反映具体问题（{'、'.join(sig.complaint[:3])}）"
    if negativity < NEGATIVE_AT and not asks_only and (why := negative_by_convention(text, board)):
        return _told(negativity), why
    if asks_only and negativity >= NEGATIVE_AT:
        return (round(negativity - (SURE_NEGATIVE - NEGATIVE_AT), 4),
                f"留言仅为咨询或建议（{'、'.join(sig.enquiry[:3])}），未反映具体问题")
    return negativity, None


def classify_records(deployment_or_config, records: list, models: ModelSet | None = None) -> list:
    """Fill the classification fields of each record (in place) and return the records."""
    cfg = _config(deployment_or_config)
    if not records:
        return records
    models = models or ModelSet.for_config(cfg)
    texts = [compose(r.text or "", r.title or "", TITLE_REPEAT) for r in records]
    preds = models.predict(texts)
    threshold = relevance_threshold(cfg, models)
    now = utcnow()
    for i, rec in enumerate(records):
        rel, top, neg = preds["relevance"][i], preds["topic"][i], preds["negativity"][i]
        relevant, score, rule, mentions = judge_relevance(cfg, rec, rel.score, threshold)
        rec.relevant = relevant
        rec.relevance = score
        # a risk area is a public matter's: other posts are filed under 其他 (when the deployment has it)
        rec.topic = top.label if rel.score >= NOT_PUBLIC_BELOW or OTHER_TOPIC not in cfg.classify.topics else OTHER_TOPIC
        rec.negativity, told = told_negativity(cfg, rec, public_negativity(neg.score, rel.score))
        rec.explanation = {
            "relevance": {"label": rel.label, "score": rel.score, "words": [list(w) for w in rel.words],
                          **({"rule": rule} if rule else {}), "gate": place_gate(cfg, rec, mentions),
                          "places": {"own": list(dict.fromkeys(mentions.own)),
                                     "passing": [list(p) for p in mentions.passing[:5]],
                                     "others": mentions.others[:5]}},
            "topic": {"label": top.label, "score": top.score, "words": [list(w) for w in top.words]},
            "negativity": {"label": neg.label, "score": neg.score, "public": rel.score,
                           "words": [list(w) for w in neg.words],
                           **({"rule": told} if told else {})},
            "models": {task: m.version for task, m in models.models().items()},
        }
        rec.classified_at = now
    return records


def relevance_threshold(cfg, models: ModelSet) -> float:
    """The public-matter score from which a post is relevant: calibrated on the office's labels when the current
    relevance model carries one (``yuqing classify retrain``), else the configured ``thresholds.relevance_min``."""
    calibrated = models.relevance.meta.get("threshold")
    return float(calibrated) if calibrated is not None else cfg.thresholds.relevance_min


def judgement(cfg, rec, explain: bool = True) -> dict:
    """A classified record's judgement as one JSON-ready dict, with its reasons in Chinese."""
    ex = rec.explanation or {}
    rel, top, neg = ex.get("relevance", {}), ex.get("topic", {}), ex.get("negativity", {})
    places = rel.get("places", {})
    reasons = []
    if rel.get("rule"):
        reasons.append(f"相关性：{rel['rule']}")
    elif places.get("own"):
        reasons.append(f"相关性：提及本地（{'、'.join(places['own'][:3])}），本地公共事务概率{rel.get('score', 0):.2f}")
    negative = rec.negativity is not None and rec.negativity >= NEGATIVE_AT
    words = "、".join(w for w, _ in neg.get("words", [])[:4])
    reasons.append(f"{'负面' if negative else '非负面'}（负面概率{rec.negativity:.2f}）" + (f"：{words}" if words else ""))
    if neg.get("rule"):
        reasons.append(f"{'负面' if negative else '非负面'}：{neg['rule']}")
    reasons.append(f"话题：{rec.topic}（{top.get('score', 0):.2f}）")
    out = {"relevant": bool(rec.relevant), "relevance": round(float(rec.relevance), 4), "topic": rec.topic,
           "negativity": round(float(rec.negativity), 4), "negative": negative, "reasons": reasons}
    if explain:
        out["words"] = {task: ex.get(task, {}).get("words", []) for task in TASKS}
        out["places"] = places
    return out


FIELDS = ("relevant", "relevance", "topic", "negativity", "explanation", "classified_at")


def classify_pending(deployment, limit: int | None = None, batch: int = 1000) -> int:
    """Classify posts not classified yet (all of them, or at most ``limit``); returns how many."""
    models = ModelSet.for_config(deployment.config)
    done = 0
    while limit is None or done < limit:
        n = batch if limit is None else min(batch, limit - done)
        posts = deployment.posts.pending("classify", limit=n)
        if not posts:
            break
        classify_records(deployment, posts, models)
        deployment.posts.update({p.id: {f: getattr(p, f) for f in FIELDS} for p in posts})
        done += len(posts)
        log.info("classified %d post(s)", done)
        if len(posts) < n:
            break
    return done


def classify_texts(cfg, texts: Iterable[str]) -> list[dict]:
    """Convenience for notebooks: the three predictions for plain texts."""
    from yuqing.store import PostRecord, post_key

    records = [PostRecord(key=post_key(f"text:{i}:{t}"), source="text", kind="text", text=t)
               for i, t in enumerate(texts)]
    classify_records(cfg, records)
    return [{"text": r.text, "relevant": r.relevant, "relevance": r.relevance, "topic": r.topic,
             "negativity": r.negativity, "explanation": r.explanation} for r in records]


__all__ = ["ModelSet", "YuqingError", "classify_pending", "classify_records", "ensure_models", "train_shipped"]
