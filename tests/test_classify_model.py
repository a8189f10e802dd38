"""Classifier models: training, save/load round trip, explanations, fast scoring, and the CLI on real files."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import make_config
from yuqing.classify.corpus import Example, Filler, read_csv, shipped
from yuqing.classify.features import make_docs
from yuqing.classify.model import TextModel, cross_validate
from yuqing.classify.scoring import Scorer
from yuqing.classify.tokenizer import Tokenizer

from yuqing.cli import cli, main
from yuqing.errors import YuqingError


def _subset(examples, per_label: int):
    out, seen = [], {}
    for e in examples:
        if seen.get(e.label, 0) < per_label:
            seen[e.label] = seen.get(e.label, 0) + 1
            out.append(e)
    return out


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    return make_config(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def topic_model(cfg):
    examples = _subset(shipped("topic", cfg, list(cfg.classify.topics)), 40)
    return TextModel.train("topic", examples, Tokenizer(cfg), cv_folds=0, source="test")


@pytest.fixture(scope="module")
def negativity_model(cfg):
    examples = _subset(shipped("negativity", cfg), 200)
    return TextModel.train("negativity", examples, Tokenizer(cfg), cv_folds=3, source="test")


def test_shipped_corpus_is_filled_from_the_configuration(cfg):
    rows = shipped("relevance", cfg)
    assert len(rows) > 3000
    assert not any("{" in e.text or "{" in e.title for e in rows)
    text = "\n".join(e.text for e in rows)
    for word in ("云溪县", "云溪", "城关镇", "柳树村"):
        assert word in text
    # another city's name where a post names one (a same-named district elsewhere)
    assert any(e.text.startswith(tuple(Filler(cfg).other_cities)) or "市" in e.text for e in rows)
    # varied: few exact duplicates, and every topic and both relevance labels present
    assert len({e.text for e in rows}) > 0.97 * len(rows)
    assert {e.label for e in rows} == {"相关", "无关"}
    topics = {e.label for e in shipped("topic", cfg, list(cfg.classify.topics))}
    assert topics == set(cfg.classify.topics)
    # a deployment with fewer topics gets 其他 for the rest
    few = {e.label for e in shipped("topic", cfg, ["生态环境", "征地拆迁", "其他"])}
    assert few == {"生态环境", "征地拆迁", "其他"}


def test_topic_model_predicts_and_explains(topic_model):
    preds = topic_model.predict(["云溪县城关镇的化工厂半夜往河里偷排污水，鱼都死光了",
                                 "白沙镇强拆我家房子，补偿款一分没给"])
    assert [p.label for p in preds] == ["生态环境", "征地拆迁"]
    for p in preds:
        assert 0.0 < p.score <= 1.0 and p.score == p.confidence
        assert 1 <= len(p.words) <= 5
        assert all(v > 0 for _, v in p.words)
    words = {w for w, _ in preds[0].words}
    assert words & {"污水", "偷排", "化工厂", "河里", "排"}


def test_negativity_is_a_calibrated_probability(negativity_model):
    m = negativity_model
    assert m.positive == "负面"
    neg, ok = m.predict(["村干部贪污扶贫款，群众敢怒不敢言，太黑了", "云溪县举办春季招聘会，提供岗位两千多个"])
    assert neg.label == "负面" and neg.score > 0.6
    assert ok.label == "非负面" and ok.score < 0.4
    assert abs(ok.confidence - (1 - ok.score)) < 1e-3
    assert m.meta["cv"]["folds"] == 3 and 0.7 < m.meta["cv"]["accuracy"] <= 1.0


def test_save_load_round_trip_and_metadata(tmp_path, topic_model):
    path = topic_model.save(tmp_path / "topic.joblib")
    meta = json.loads((tmp_path / "topic.joblib.json").read_text(encoding="utf-8"))
    for key in ("data_sha256", "trained_at", "labels", "label_counts", "versions", "tokenizer", "file_sha256"):
        assert meta[key], key
    assert meta["task"] == "topic" and len(meta["data_sha256"]) == 64
    loaded = TextModel.load(path, "topic")
    texts = ["东湖街道幸福社区的垃圾站臭气熏天", "退伍老兵的安置待遇迟迟没有落实", "县医院看病排队三个小时"]
    a, b = topic_model.predict(texts), loaded.predict(texts)
    assert [(p.label, p.score, p.words) for p in a] == [(p.label, p.score, p.words) for p in b]
    with pytest.raises(YuqingError, match="not a negativity model"):
        TextModel.load(path, "negativity")
    # a file changed after saving is refused
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(YuqingError, match="does not match its metadata"):
        TextModel.load(path)
    with pytest.raises(YuqingError, match="no such model"):
        TextModel.load(tmp_path / "missing.joblib")


def test_fast_scorer_equals_the_pipeline(cfg, topic_model, negativity_model):
    texts = [e.text for e in shipped("relevance", cfg)[::97]] + ["", "ok", "ＡＢＣ 12.5% www.x.cn"]
    docs = make_docs(texts, topic_model.tokenizer)
    scorer = Scorer({"topic": topic_model, "negativity": negativity_model})
    assert set(scorer.fast) == {"topic", "negativity"}
    scored = scorer.score(docs)
    for task, m in (("topic", topic_model), ("negativity", negativity_model)):
        expected = m.pipeline.predict_proba(make_docs(texts, m.tokenizer))
        np.testing.assert_allclose(scored[task].proba, expected, atol=1e-9)


def test_cross_validation_refits_per_fold(cfg):
    examples = _subset(shipped("negativity", cfg), 60)
    m = cross_validate("negativity", examples, Tokenizer(cfg), folds=3)
    assert m["folds"] == 3 and m["n"] == 120
    assert set(m["per_label"]) == {"负面", "非负面"}
    assert 0.6 < m["accuracy"] < 1.0  # held-out folds, so not the training fit


def test_read_csv_errors_are_one_clear_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("content_x,label\n你好,1\n", encoding="utf-8")
    with pytest.raises(YuqingError, match="missing column"):
        read_csv(bad)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("text,label\n房间很脏,0\n".encode("gb18030"))
    with pytest.raises(YuqingError, match="GBK"):
        read_csv(gbk)
    nolabel = tmp_path / "nolabel.csv"
    nolabel.write_text("text,label\n房间很脏,\n", encoding="utf-8")
    with pytest.raises(YuqingError, match="row 2 has text but no label"):
        read_csv(nolabel)
    review = tmp_path / "review.csv"  # published sentiment sets name the text column "review"
    review.write_text("\ufefflabel,review\n1,很好\n0,太差\n", encoding="utf-8")
    assert [(e.text, e.label) for e in read_csv(review)] == [("很好", "1"), ("太差", "0")]


def test_binary_labels_need_a_known_positive(cfg):
    ex = [Example("好", "甲"), Example("差", "乙")] * 4
    with pytest.raises(YuqingError, match="--positive"):
        TextModel.train("negativity", ex, Tokenizer(None), cv_folds=0)
    m = TextModel.train("negativity", ex, Tokenizer(None), cv_folds=0, positive="乙")
    assert m.positive == "乙"
    # 0/1 follow the sentiment data sets: 0 is the negative label
    zero_one = [Example("好", "1"), Example("差", "0")] * 4
    assert TextModel.train("negativity", zero_one, Tokenizer(None), cv_folds=0).positive == "0"
    with pytest.raises(YuqingError, match="only one label"):
        TextModel.train("topic", [Example("a", "x")] * 3, Tokenizer(None), cv_folds=0)


# -- the CLI, as the acceptance check drives it ---------------------------------


def _write_csv(path, examples):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title", "text", "label"])
        for e in examples:
            w.writerow([e.title, e.text, e.label])
    return path


def test_cli_train_eval_predict(tmp_path, cfg):
    rows = shipped("topic", cfg, list(cfg.classify.topics))
    train_rows = _subset(rows[::2], 25)
    test_rows = _subset(rows[1::2], 10)
    train_csv = _write_csv(tmp_path / "train.csv", train_rows)
    test_csv = _write_csv(tmp_path / "test.csv", test_rows)
    out = tmp_path / "m" / "topic.joblib"
    runner = CliRunner()

    r = runner.invoke(cli, ["classify", "train", "--task", "topic", "--data", str(train_csv), "--out", str(out),
                            "--folds", "3"])
    assert r.exit_code == 0, r.output
    assert "3-fold cross-validation" in r.output and out.exists() and out.with_name("topic.joblib.json").exists()

    r = runner.invoke(cli, ["classify", "eval", "--model", str(out), "--data", str(test_csv)])
    assert r.exit_code == 0, r.output
    result = json.loads(r.output)  # exactly one JSON object
    assert result["n"] == len(test_rows)
    assert set(result["per_label"]) == set(cfg.classify.topics)
    assert 0.6 < result["accuracy"] <= 1.0 and 0.6 < result["macro_f1"] <= 1.0
    assert all({"precision", "recall", "f1", "support"} <= set(v) for v in result["per_label"].values())

    lines = "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(
        ["柳树村的扶贫款被村干部截留了", "云溪一中乱收费，每个学生多收八百元补课费，老师上课不讲课后辅导才讲"])) + "\n\n"
    lines += json.dumps({"id": "x", "title": "征地拆迁补偿没谈拢就强拆",
                        "text": "拆迁办半夜来人把我家房子推平了，征地补偿款一分没给"}, ensure_ascii=False)
    r = runner.invoke(cli, ["classify", "predict", "--model", str(out)], input=lines)
    assert r.exit_code == 0, r.output
    got = [json.loads(line) for line in r.output.splitlines()]
    assert [g["id"] for g in got] == [0, 1, "x"]
    assert [g["label"] for g in got] == ["脱贫攻坚", "教育医疗", "征地拆迁"]
    assert all(0 < g["score"] <= 1 and g["explanation"] for g in got)

    # the installed `yuqing` command: a bad line is one error line and exit status 1
    proc = subprocess.run([str(Path(sys.executable).with_name("yuqing")), "classify", "predict", "--model", str(out)],
                          input="not json\n", capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip() == "yuqing: error: stdin line 1: not JSON (Expecting value)"


def test_cli_train_reports_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc = main(["classify", "train", "--task", "topic", "--data", str(tmp_path / "none.csv"),
               "--out", str(tmp_path / "m.joblib")])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("yuqing: error:") and "none.csv: no such file" in err
    rc = main(["classify", "eval", "--model", str(tmp_path / "m.joblib"), "--data", str(tmp_path / "x.csv")])
    assert rc == 1 and "no such model file" in capsys.readouterr().err
