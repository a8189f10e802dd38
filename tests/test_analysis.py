"""The analyst API: posts, events and alerts as DataFrames with proper dtypes, filtered, from any post store."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import yaml

from conftest import make_config
from yuqing import analysis
from yuqing.reports.sample import populate
from yuqing.deployment import Deployment
from yuqing.models import Base
from yuqing.store import PostQuery

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 17, tzinfo=TZ)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=TZ)


def filled(cfg) -> Deployment:
    dep = Deployment.open(cfg)
    Base.metadata.create_all(dep.engine)
    populate(dep, START, days=4, posts_per_day=200, seed=11, now=NOW)
    return dep


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("analysis")
    dep = filled(make_config(tmp))
    yield dep
    dep.close()


def test_posts_have_proper_dtypes(sample):
    df = analysis.posts(sample)
    assert len(df) == sample.posts.count() > 300
    assert str(df["time"].dtype) == "datetime64[ns, Asia/Shanghai]"
    assert str(df["published_at"].dtype) == "datetime64[ns, Asia/Shanghai]"
    for col in ("id", "reposts", "comments", "likes", "interactions", "event_id", "level"):
        assert str(df[col].dtype) == "Int64", col
    for col in ("source", "kind", "topic", "media_level"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert str(df["relevant"].dtype) == "boolean" and str(df["relevance"].dtype) == "Float64"
    assert str(df["title"].dtype).startswith("string")
    names = df["level_name"].dtype
    assert names.ordered and list(names.categories) == ["影响较小", "一般", "重大或较大", "特别重大"]
    assert (df["level_name"].dropna() >= "影响较小").all()
    assert df["time"].is_monotonic_increasing
    assert df["interactions"].equals((df["reposts"] + df["comments"] + df["likes"]).astype("Int64"))
    # unrelated posts have no level: <NA>, not 0 or NaN-as-float
    noise = df[~df["relevant"]]
    assert len(noise) and noise["level"].isna().all() and noise["level_name"].isna().all()


def test_post_filters_match_the_store(sample):
    store = sample.posts
    day = analysis.posts(sample, since="2026-11-18", until="2026-11-19")
    assert set(day["time"].dt.date.astype(str)) == {"2026-11-18"}  # local days, not UTC
    since = datetime(2026, 11, 18, tzinfo=TZ).astimezone(timezone.utc)
    assert len(day) == store.count(PostQuery(since=since, until=since + timedelta(days=1)))

    major = analysis.posts(sample, levels=["一般", "重大或较大", "I"], relevant=True)
    assert len(major) and set(major["level"].unique()) <= {2, 3, 4}
    assert len(major) == store.count(PostQuery(levels=[2, 3, 4], relevant=True))
    name = analysis.posts(sample, relevant=True)["topic"].mode()[0]
    topic = analysis.posts(sample, topics=name)
    assert set(topic["topic"].unique()) == {name} and len(topic) == store.count(PostQuery(topics=[name]))
    src = analysis.posts(sample, sources=["weibo-search", "tieba-yunxi"])
    assert set(src["source"].unique()) == {"weibo-search", "tieba-yunxi"}
    ev = int(major["event_id"].dropna().iloc[0])
    one = analysis.posts(sample, event_id=ev)
    assert (one["event_id"] == ev).all() and len(one) == store.count(PostQuery(event_id=ev))
    aware = analysis.posts(sample, since=datetime(2026, 11, 18, 16, 0, tzinfo=timezone.utc))
    assert aware["time"].min() >= pd.Timestamp("2026-11-19 00:00", tz="Asia/Shanghai")


def test_events_and_alerts(sample):
    events = analysis.events(sample)
    assert len(events) > 10 and str(events["started_at"].dtype) == "datetime64[ns, Asia/Shanghai]"
    assert events["alert_id"].notna().all() and str(events["post_count"].dtype) == "Int64"
    general = analysis.events(sample, levels="一般", since="2026-11-18")
    assert (general["level"] == 2).all() and (general["started_at"] >= pd.Timestamp("2026-11-18", tz="Asia/Shanghai")).all()

    alerts = analysis.alerts(sample, now=NOW)
    assert len(alerts) == len(events)
    assert str(alerts["time_to_reply"].dtype) == "timedelta64[ns]" and str(alerts["within_12h"].dtype) == "boolean"
    assert isinstance(alerts["step_name"].dtype, pd.CategoricalDtype) and alerts["step_name"].dtype.ordered
    replied = alerts[alerts["replied_at"].notna()]
    assert (replied["time_to_reply"] == replied["replied_at"] - replied["issue_started_at"]).all()
    assert (replied["within_12h"] == (replied["replied_at"] <= replied["deadline_at"])).all()
    assert (replied["late_reply"] == ~replied["within_12h"]).all()
    waiting = alerts[alerts["replied_at"].isna()]
    past = waiting["deadline_at"] < pd.Timestamp(NOW)
    assert (waiting.loc[past, "overdue"]).all() and not waiting.loc[past, "within_12h"].any()
    assert waiting.loc[~past, "within_12h"].isna().all() and not waiting.loc[~past, "overdue"].any()
    assert alerts["overdue"].any() and alerts["late_reply"].any() and alerts["within_12h"].any()
    assert (alerts["time_to_report"].dropna() > pd.Timedelta(0)).all()
    name = events["topic"].mode()[0]
    by_topic = analysis.alerts(sample, topics=[name], now=NOW)
    assert set(by_topic["topic"].unique()) == {name} and len(by_topic) == (events["topic"] == name).sum()


def test_opens_the_configured_deployment_from_a_path_or_the_environment(sample, tmp_path, monkeypatch):
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump(sample.config.model_dump(mode="json", exclude={"path"}), allow_unicode=True), encoding="utf-8")
    by_path = analysis.posts(str(path), relevant=True)
    monkeypatch.setenv("YUQING_CONFIG", str(path))
    by_env = analysis.posts(relevant=True)
    assert len(by_path) == len(by_env) == sample.posts.count(PostQuery(relevant=True))
    analysis._OPEN.pop(str(path.resolve())).close()
    monkeypatch.delenv("YUQING_CONFIG")
    monkeypatch.chdir(tmp_path)
    from yuqing.errors import YuqingError

    with pytest.raises(YuqingError, match="yuqing demo"):
        analysis.posts()


@pytest.mark.elasticsearch
def test_the_same_frames_from_elasticsearch(sample, tmp_path):
    url = os.environ.get("YUQING_TEST_ES_URL")
    if not url:
        pytest.skip("Elasticsearch not configured: set YUQING_TEST_ES_URL (scripts/services.sh starts a node)")
    prefix = f"yuqing-test-{uuid.uuid4().hex[:10]}"
    cfg = make_config(tmp_path, storage={"data_dir": str(tmp_path / "data"), "posts": "elasticsearch",
                                         "elasticsearch": {"hosts": [url], "index_prefix": prefix}})
    dep = filled(cfg)
    try:
        es = analysis.posts(dep, since="2026-11-18", relevant=True).sort_values("id").reset_index(drop=True)
        sql = analysis.posts(sample, since="2026-11-18", relevant=True).sort_values("id").reset_index(drop=True)
        assert len(es) == len(sql) > 100
        cols = ["id", "time", "source", "title", "url", "level", "level_name", "topic", "event_id", "interactions"]
        pd.testing.assert_frame_equal(es[cols], sql[cols], check_categorical=False)
    finally:
        dep.posts.drop_all()
        dep.close()
