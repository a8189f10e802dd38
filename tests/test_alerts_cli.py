"""``yuqing alerts …`` on the command line: list, show, advance, check-deadlines --at, 通稿, 联系单."""
from __future__ import annotations

import json

import pytest
import yaml

from conftest import LOCALITY
from test_alerts_support import USERS, add_event
from yuqing.cli import main


@pytest.fixture
def cfg_path(tmp_path):
    path = tmp_path / "yuqing.yaml"
    path.write_text(yaml.safe_dump({
        "locality": LOCALITY, "users": USERS, "storage": {"data_dir": "data"},
        "notifications": {"base_url": "http://yq.local"},
    }, allow_unicode=True), encoding="utf-8")
    from yuqing.config import load
    from yuqing.deployment import Deployment
    from yuqing.models import Base
    from yuqing.alerts.models import ensure_schema

    from test_alerts_support import T0

    dep = Deployment.open(load(path))
    Base.metadata.create_all(dep.engine)
    ensure_schema(dep.engine)
    add_event(dep, title="云溪县白沙镇讨薪", level=2, started=T0)  # 09:00 Asia/Shanghai on 2024-05-06
    dep.close()
    return path


def run(capsys, cfg_path, *args):
    rc = main(["--config", str(cfg_path), *args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_procedure_on_the_command_line(cfg_path, capsys):
    rc, out, err = run(capsys, cfg_path, "alerts", "sync", "--at", "2024-05-06T09:30")
    assert rc == 0, err
    assert out.splitlines()[0] == "opened 1 alert(s): 1"
    rc, out, _ = run(capsys, cfg_path, "alerts", "list", "--json")
    [a] = json.loads(out)
    assert (a["id"], a["level_label"], a["current_step"], a["deadline_at"]) == (1, "一般", 2, "2024-05-06T13:00:00+00:00")

    rc, out, err = run(capsys, cfg_path, "alerts", "advance", "1", "--step", "consult", "--user", "bangong", "--note", "x")
    assert rc == 1 and err.strip() == "yuqing: error: 不能跳过第3步“快报事实”，请先办理该步骤"
    rc, out, err = run(capsys, cfg_path, "alerts", "advance", "1", "--step", "report", "--user", "wangping", "--note", "x")
    assert rc == 1 and "网评员 wangping 无权快报事实" in err
    rc, out, err = run(capsys, cfg_path, "alerts", "advance", "1", "--step", "快报事实", "--user", "jiankong",
                       "--note", "时间：9时；地点：白沙镇", "--link", "https://news.example.cn/1", "--at", "2024-05-06T10:00")
    assert rc == 0, err
    assert out.strip() == "alert 1: step 3 快报事实 recorded by jiankong"

    rc, out, _ = run(capsys, cfg_path, "alerts", "check-deadlines", "--at", "2024-05-06T14:00")
    assert out.splitlines()[1:] == ["nothing due"]
    rc, out, _ = run(capsys, cfg_path, "alerts", "check-deadlines", "--at", "2024-05-06T15:00")
    assert "reminder: alert 1, 6 h left" in out
    rc, out, _ = run(capsys, cfg_path, "alerts", "check-deadlines", "--at", "2024-05-06T13:00:00+00:00", "--json")
    report = json.loads(out)
    assert report["overdue"] == [1] and report["at"] == "2024-05-06T13:00:00+00:00"

    rc, out, err = run(capsys, cfg_path, "alerts", "advance", "1", "--step", "4", "--user", "bangong", "--note", "责成核查")
    assert rc == 0, err
    rc, out, err = run(capsys, cfg_path, "alerts", "statement", "draft", "1", "--user", "jiankong2", "--text", "通稿正文")
    assert rc == 0 and out.startswith("statement 1: version 1 of alert 1")
    for who, expect in [("jiankong", "passed review 1/3"), ("bangong", "passed review 2/3"), ("lingdao", "approved by 领导小组")]:
        rc, out, err = run(capsys, cfg_path, "alerts", "statement", "review", "1", "--user", who, "--pass")
        assert rc == 0, err
        assert expect in out
    rc, out, _ = run(capsys, cfg_path, "alerts", "statement", "list", "1")
    assert "#1 v1 round 0 approved stage 3/3 by jiankong2" in out and "分管领导（领导小组审定） lingdao: pass" in out

    rc, out, err = run(capsys, cfg_path, "alerts", "liaison", "send", "1", "--user", "jiankong", "--unit", "白沙镇人民政府",
                       "--content", "请核实")
    assert rc == 0 and "liaison form 1 sent to 白沙镇人民政府" in out
    rc, out, _ = run(capsys, cfg_path, "alerts", "liaison", "list", "--waiting")
    assert "白沙镇人民政府\t待反馈" in out
    rc, out, _ = run(capsys, cfg_path, "alerts", "liaison", "answer", "1", "--user", "bangong", "--answer", "已核实")
    assert rc == 0 and out.strip() == "liaison form 1 answered"

    rc, out, err = run(capsys, cfg_path, "alerts", "advance", "1", "--step", "reply", "--user", "bangong",
                       "--link", "https://news.example.cn/reply")
    assert rc == 0, err
    rc, out, _ = run(capsys, cfg_path, "alerts", "show", "1")
    assert "预警 #1  云溪县白沙镇讨薪" in out and "起算：2024-05-06 09:00  时限：2024-05-06 21:00" in out
    assert "  6. 正面回复  bangong" in out and "[link]  https://news.example.cn/reply" in out
    assert "通稿 v1（#1，approved，已过3审）" in out and "联系单 #1 → 白沙镇人民政府：已反馈" in out
    rc, out, _ = run(capsys, cfg_path, "alerts", "show", "1", "--json")
    data = json.loads(out)
    assert data["timeliness"] == "late" and data["late"] and data["next_steps"] == [7]
    assert [s["step"] for s in data["steps"]] == [1, 2, 3, 4, 5, 6]

    run(capsys, cfg_path, "alerts", "advance", "1", "--step", "7", "--user", "jiankong")
    rc, out, err = run(capsys, cfg_path, "alerts", "close", "1", "--user", "jiankong", "--note", "已平息")
    assert rc == 0 and out.strip() == "alert 1 closed"
    rc, out, _ = run(capsys, cfg_path, "alerts", "list")
    assert out.strip() == "no open alerts"
    rc, out, _ = run(capsys, cfg_path, "alerts", "list", "--all")
    assert "#1\t一般\t第7步 跟踪引导" in out and "[已办结]" in out


def test_cli_errors(cfg_path, capsys):
    rc, _, err = run(capsys, cfg_path, "alerts", "show", "99")
    assert rc == 1 and err.strip() == "yuqing: error: no alert 99; 'yuqing alerts list --all' lists them"
    rc, _, err = run(capsys, cfg_path, "alerts", "check-deadlines", "--at", "yesterday")
    assert rc == 1 and "--at: 'yesterday' is not an ISO time" in err
    run(capsys, cfg_path, "alerts", "sync", "--at", "2024-05-06T09:30")  # the event is live then
    rc, _, err = run(capsys, cfg_path, "alerts", "advance", "1", "--step", "9", "--user", "jiankong")
    assert rc == 1 and "未知步骤" in err
    rc, _, err = run(capsys, cfg_path, "alerts", "advance", "1", "--step", "3", "--user", "nobody", "--note", "x")
    assert rc == 1 and "没有用户 nobody" in err
    rc, _, err = run(capsys, cfg_path, "alerts", "dismiss", "1", "--user", "jiankong", "--reason", "云溪区的事")
    assert rc == 0
    rc, _, err = run(capsys, cfg_path, "alerts", "advance", "1", "--step", "3", "--user", "jiankong", "--note", "x")
    assert rc == 1 and "已标记误报" in err
