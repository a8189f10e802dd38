"""Classification in a deployment: shipped models on first use, classify_pending, corrections and retraining."""
from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
import yaml
from conftest import LOCALITY, copy_models, make_config
from sqlalchemy import select
from yuqing.classify.api import (
    ModelSet,
    classify_pending,
    classify_records,
    ensure_models,
)
from yuqing.classify.feedback import add_correction, normalize_label, retrain
from yuqing.classify.model import TextModel
from yuqing.classify.registry import TRAINING_LOCK, ModelRegistry, folder_lock

from yuqing.cli import main
from yuqing.errors import YuqingError
from yuqing.models import AuditEntry, LabelCorrection
from yuqing.store import PostRecord, post_key


def _with_models(dep, shipped_models):
    copy_models(shipped_models, dep.config.model_dir)
    return dep


def _post(n: int, text: str, title: str = "", kind: str = "weibo") -> PostRecord:
    return PostRecord(key=post_key(f"test:{n}"), source="test", kind=kind, url=f"http://127.0.0.1/{n}",
                      title=title, text=text)


def test_first_use_trains_shipped_models(shipped_models):
    model_dir, paths = shipped_models
    assert set(paths) == {"relevance", "topic", "negativity"}
    reg = ModelRegistry(model_dir)
    for task, path in paths.items():
        assert reg.current(task) == path and path.name.startswith(f"{task}-shipped-")
        meta = json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8"))
        assert meta["data_source"] == "shipped corpus" and meta["cv"]["accuracy"] > 0.75, (task, meta["cv"])


def test_classify_pending_writes_back_through_the_store(sqlite_deployment, shipped_models):
    dep = _with_models(sqlite_deployment, shipped_models)
    posts = [
        _post(1, "云溪县城关镇的化工厂半夜往河里偷排污水，河水发黑发臭，鱼都死光了，环保局管不管？"),
        _post(2, "云溪区今天举办马拉松比赛，欢迎市民前来观赛"),  # the look-alike district, not ours
        _post(3, "柳树村村干部把扶贫款发给自己亲戚，真正的贫困户一分没拿到", kind="manual"),
        _post(4, "云溪县白沙镇举行春季招聘会，提供就业岗位两千多个，欢迎求职者参加", title="白沙镇春季招聘会"),
    ]
    dep.posts.add(posts)
    assert classify_pending(dep) == 4
    assert classify_pending(dep) == 0  # nothing left
    got = {p.key: p for p in dep.posts.get_many([p.id for p in posts])} if hasattr(dep.posts, "get_many") else {}
    got = {p.id: dep.posts.get(p.id) for p in posts}
    spill, other, manual, jobs = (got[p.id] for p in posts)
    assert spill.relevant is True and spill.topic == "生态环境" and spill.negativity > 0.8
    assert other.relevant is False
    assert manual.relevant is True and manual.topic == "脱贫攻坚"
    assert manual.explanation["relevance"]["rule"] == "人工录入的群众反映"
    assert jobs.relevant is True and jobs.negativity < 0.3
    for p in (spill, other, manual, jobs):
        assert p.classified_at is not None and p.classified_at.tzinfo is not None
        assert 0.0 <= p.relevance <= 1.0
        ex = p.explanation
        assert set(ex["models"]) == {"relevance", "topic", "negativity"}
    assert any(w in {"偷排", "污水", "河里", "发臭", "死"} for w, _ in spill.explanation["topic"]["words"])


def test_classify_records_without_a_database(tmp_path, shipped_models):
    cfg = make_config(tmp_path)
    copy_models(shipped_models, cfg.model_dir)
    recs = classify_records(cfg, [_post(1, "云溪县人民医院的医生收红包，不给钱就不给好好看病"),
                                  _post(2, "某明星在上海开演唱会，门票一抢而空")])
    assert recs[0].topic == "教育医疗" and recs[0].relevant is True
    assert recs[1].relevant is False
    assert classify_records(cfg, []) == []


def test_correction_labels_are_normalised(sqlite_deployment):
    topics = list(sqlite_deployment.config.classify.topics)
    assert normalize_label("relevance", "不相关") == "无关"
    assert normalize_label("negativity", "是") == "负面"
    assert normalize_label("topic", "征地拆迁", topics=topics) == "征地拆迁"
    with pytest.raises(YuqingError, match="not a configured topic"):
        normalize_label("topic", "外星人", topics=topics)
    with pytest.raises(YuqingError, match="not understood"):
        normalize_label("negativity", "也许")


# texts a monitor relabelled: local slang the shipped corpus has not seen, all about veterans
VETERAN_CORRECTIONS = [
    "老兵们又去县里讨说法了，优抚金拖了半年",
    "参战老兵的补助到现在没落实，几十个人在县委门口坐着",
    "退伍的战友安置工作一直没着落，县里推来推去",
    "当过兵的人看病报销比例说好提高，结果一直没变",
    "老兵的伤残抚恤评定拖了三年还没结果",
    "转业回来的战友被分到偏远乡镇，家属随迁没人管",
    "县里的双拥模范称号年年评，我们老兵的事年年拖",
    "参战人员生活补助标准低于邻县，老兵心里不平衡",
    "退役士兵自主就业的一次性补助被压了一年",
    "几个老兵穿着旧军装在政府门口拉横幅",
]


def _write_config(tmp_path, cfg) -> str:
    path = tmp_path / "yuqing.yaml"
    data = {"locality": dict(LOCALITY), "storage": {"data_dir": str(cfg.data_dir),
                                                      "database_url": cfg.database_url}}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.mark.slow
def test_retrain_folds_corrections_and_keeps_the_old_model(sqlite_deployment, shipped_models, tmp_path, capsys):
    dep = _with_models(sqlite_deployment, shipped_models)
    reg = ModelRegistry(dep.config.model_dir)
    old_path = reg.current("topic")
    with pytest.raises(YuqingError, match="no new topic corrections"):
        retrain(dep, "topic")
    ids = [add_correction(dep, "topic", t, "退役军人", by="monitor1", old_label="社会稳定") for t in VETERAN_CORRECTIONS]
    ids.append(add_correction(dep, "topic", "这条不对", "社会稳定", by="monitor1"))
    with dep.sessions() as s, s.begin():  # a correction whose label is no longer a configured topic is skipped
        s.add(LabelCorrection(task="topic", text="旧的分类", new_label="已删除的主题", by_user="monitor1"))

    # through the real CLI, on a configuration file naming the same database and data folder
    rc = main(["--config", _write_config(tmp_path, dep.config), "classify", "retrain", "--task", "topic", "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    report = json.loads(out.out)
    assert report["corrections"] == 11 and report["new_corrections"] == 11
    assert len(report["skipped"]) == 1 and "已删除的主题" in report["skipped"][0]
    assert report["held_out"] > 500
    assert report["switched"] == (report["new"]["macro_f1"] >= report["old"]["macro_f1"])
    new_path = dep.config.model_dir / (report["new_version"] + ".joblib")
    assert new_path.exists() and old_path.exists()  # both kept
    history = reg.history("topic")
    assert history[-1]["source"] == "retrain" and history[-1]["held_out"] == report["held_out"]
    if report["switched"]:
        assert reg.current("topic") == new_path
        with dep.sessions() as s:
            used = {c.id: c.used_in_model for c in s.scalars(select(LabelCorrection))}
            assert all(used[i] == report["new_version"] for i in ids)
            assert s.scalars(select(AuditEntry).where(AuditEntry.action == "classify.retrain")).first() is not None
        # the new model has learnt the monitors' wording
        models = ModelSet.for_config(dep.config)
        pred = models.topic.predict(["老兵们在县政府门口讨要拖欠的补助"])[0]
        assert pred.label == "退役军人"
        # nothing new since: refused without --force
        with pytest.raises(YuqingError, match="nothing to do"):
            retrain(dep, "topic")
    else:  # kept the old model: the corrections stay new for the next retraining
        assert reg.current("topic") == old_path
        with dep.sessions() as s:
            assert not any(c.used_in_model for c in s.scalars(select(LabelCorrection)))
    # going back to the old model by hand
    rc = main(["--config", str(tmp_path / "yuqing.yaml"), "classify", "use", "--task", "topic", old_path.stem])
    assert rc == 0 and reg.current("topic") == old_path


def test_a_process_started_while_another_trains_waits_for_its_models(tmp_path, shipped_models):
    """The scheduler and a command started together on a new office's first run: the second waits for the
    models the first is training, then uses them (both training at once wrote one's model file with the
    other's metadata, which every later run refused)."""
    cfg = make_config(tmp_path)
    cfg_file = tmp_path / "yuqing.yaml"
    cfg_file.write_text(yaml.safe_dump({"locality": dict(LOCALITY), "storage": {"data_dir": str(tmp_path / "data")}},
                                       allow_unicode=True), encoding="utf-8")
    with folder_lock(cfg.model_dir, TRAINING_LOCK):  # this test is the process training
        other = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(cfg_file), "-v",
                                  "classify", "models"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        waiting = []
        for line in other.stderr:
            waiting.append(line)
            if "waiting for it" in line:
                break
        assert "waiting for it" in "".join(waiting), "".join(waiting)
        copy_models(shipped_models, cfg.model_dir)  # "trained" while the other waits
    out, err = other.communicate(timeout=120)
    assert other.returncode == 0, err
    assert "training the" not in err
    for task, path in shipped_models[1].items():
        assert f"{task}: {path.stem}" in out
    assert ModelRegistry(cfg.model_dir).current("topic").name == shipped_models[1]["topic"].name


def test_a_model_file_that_does_not_match_its_metadata_is_trained_again(tmp_path, shipped_models):
    """A save cut short (or an older release's race) leaves a file the metadata does not describe: the next
    first use trains that model again rather than refusing to classify until someone retrains by hand."""
    cfg = make_config(tmp_path)
    copy_models(shipped_models, cfg.model_dir)
    broken = cfg.model_dir / shipped_models[1]["negativity"].name
    broken.write_bytes(broken.read_bytes()[:-10])
    assert not TextModel.intact(broken)
    paths = ensure_models(cfg)
    assert paths["negativity"].name == broken.name and TextModel.intact(broken)
    assert TextModel.load(paths["negativity"], "negativity").task == "negativity"
    assert paths["topic"].name == shipped_models[1]["topic"].name


def test_a_model_folder_that_cannot_be_written_is_not_locked(tmp_path, caplog):
    """A model folder that cannot be written (here: under a file) is used without a lock, with a warning,
    rather than stopping classification; a model can only be loaded there, not saved."""
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    ran = []
    with caplog.at_level(logging.WARNING, logger="yuqing.classify.registry"):
        with folder_lock(blocker / "models", TRAINING_LOCK):
            ran.append(True)
    assert ran == [True]
    assert "going on without" in caplog.text
