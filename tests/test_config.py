"""Configuration: the example validates, every broken file gets one line naming the problem."""
from __future__ import annotations

import pytest

from yuqing.config import EXAMPLE_CONFIG, ConfigError, from_dict, load, parse_text
from yuqing.domain import Level

from conftest import LOCALITY


def test_example_config_is_valid(tmp_path):
    path = tmp_path / "yuqing.yaml"
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    cfg = load(path)
    assert cfg.locality.name == "清河县"
    assert cfg.sources[0].kind == "news"
    assert cfg.alerts.reply_hours == 12
    assert cfg.alerts.route(Level.SPECIAL).inform[:2] == ["领导小组", "县委宣传部"]
    assert cfg.data_dir == tmp_path / "yuqing-data"
    assert cfg.database_url == f"sqlite:///{(tmp_path / 'yuqing-data' / 'yuqing.db').resolve()}"


def test_toml_config(tmp_path):
    path = tmp_path / "yuqing.toml"
    path.write_text('[locality]\nname = "云溪县"\naliases = ["云溪"]\n', encoding="utf-8")
    assert load(path).locality.names() == ["云溪县", "云溪"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("locality: [", "invalid YAML at line 1"),
        ("", "the configuration file is empty"),
        ("- a\n- b\n", "must be a mapping"),
        ("keywords: {include: [a]}", "locality: required but missing"),
        ("locality: {name: 云溪县, nmae: x}", "locality.nmae: unknown key"),
        ("locality: {name: 云溪县}\nthresholds: {interactions_major: many}", "thresholds.interactions_major: 'many'"),
        ("locality: {name: 云溪县}\nsources: [{name: a, kind: twitter}]", "sources[0].kind: 'twitter' is not allowed; input should be 'news'"),
        ("locality: {name: 云溪县}\nthresholds: {alert_min_level: 很严重}", "thresholds.alert_min_level: '很严重': unknown level '很严重'; allowed: 特别重大"),
        ("locality: {name: 云溪县}\nschedule: {digest_time: '5pm'}", "schedule.digest_time: '5pm': must be HH:MM"),
        ("locality: {name: 云溪县}\nusers: [{username: a1, name: A, role: boss}]", "users[0].role: 'boss'"),
        ("locality: {name: 云溪县}\nnotifications: {channels: [{name: m, kind: email}]}", "email channel needs smtp_host"),
        ("locality: {name: ''}", "locality.name: '': string should have at least 1 character"),
        ("locality: " + "[" * 5000, "invalid YAML: nested too deeply"),
        ("locality:\n" + "- " * 5000, "invalid YAML: nested too deeply"),
    ],
)
def test_broken_config_names_the_problem(tmp_path, text, message):
    path = tmp_path / "yuqing.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load(path)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_config_found_by_environment(tmp_path, monkeypatch):
    path = tmp_path / "elsewhere.yaml"
    path.write_text("locality: {name: 云溪县}", encoding="utf-8")
    monkeypatch.setenv("YUQING_CONFIG", str(path))
    monkeypatch.chdir(tmp_path)
    assert load().locality.name == "云溪县"


def test_missing_config_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("YUQING_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="yuqing init"):
        load()


def test_database_url_from_environment_is_never_shown(tmp_path, monkeypatch):
    from yuqing.config import redact_url, summary

    monkeypatch.setenv("DBURL", "postgresql+psycopg://u:s3cret@db/yuqing")
    cfg = from_dict({"locality": LOCALITY, "storage": {"database_url_env": "DBURL"}}, tmp_path / "y.yaml")
    assert cfg.database_url.endswith("@db/yuqing")
    assert "s3cret" not in "\n".join(summary(cfg))
    assert redact_url(cfg.database_url) == "postgresql+psycopg://u:***@db/yuqing"


def test_parse_text_toml_error():
    with pytest.raises(ConfigError, match="invalid TOML"):
        parse_text("[locality\n", ".toml")


def test_data_dir_must_not_be_a_file(tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    for data_dir, message in [("afile", "storage.data_dir: 'afile': is a file; it must be a folder"),
                              ("afile/sub/deeper", f"storage.data_dir: 'afile/sub/deeper': cannot be made a folder: {tmp_path / 'afile'} is a file")]:
        path = tmp_path / "yuqing.yaml"
        path.write_text(f"locality: {{name: 云溪县}}\nstorage: {{data_dir: '{data_dir}'}}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as e:
            load(path)
        assert str(e.value).startswith(message) and "\n" not in str(e.value)
    # a folder that does not exist yet is fine: it is made on first use
    path.write_text("locality: {name: 云溪县}\nstorage: {data_dir: new/data}\n", encoding="utf-8")
    assert load(path).data_dir == tmp_path / "new" / "data"


def test_deep_toml_and_a_file_too_large_are_one_line(tmp_path):
    path = tmp_path / "yuqing.toml"
    path.write_text("[locality]\nname = " + "[" * 5000, encoding="utf-8")
    with pytest.raises(ConfigError, match="^invalid TOML: nested too deeply$"):
        load(path)
    path = tmp_path / "yuqing.yaml"
    path.write_bytes(b"locality: {name: x}\n" + b"# padding\n" * 200_000)
    with pytest.raises(ConfigError) as e:
        load(path)
    assert str(e.value) == f"{path} is 1953 KB; a configuration file is at most 1024 KB (is it the right file?)"
