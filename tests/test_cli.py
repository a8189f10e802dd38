"""The command line: help everywhere, one-line errors, init and check."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from yuqing.cli import STAGE_COMMANDS, cli, main


def run(args, capsys):
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def test_help_lists_every_command(capsys):
    rc, out, _ = run(["--help"], capsys)
    assert rc == 0
    for name in ["init", "check", "demo", "db", "users", *STAGE_COMMANDS]:
        assert f"  {name} " in out


def _all_commands():
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        cmd = cli.get_command(ctx, name)
        yield [name], cmd
        if isinstance(cmd, click.Group):
            for sub in cmd.list_commands(ctx):
                yield [name, sub], cmd.get_command(ctx, sub)


@pytest.mark.parametrize("path", [p for p, _ in _all_commands()], ids=lambda p: " ".join(p))
def test_every_subcommand_has_help(path, capsys):
    rc, out, err = run([*path, "--help"], capsys)
    assert rc == 0, err
    assert out.startswith("Usage: yuqing " + " ".join(path))


def test_init_then_check(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("YUQING_CONFIG", raising=False)
    rc, out, _ = run(["init"], capsys)
    assert rc == 0 and (tmp_path / "yuqing.yaml").exists()
    rc, _, err = run(["init"], capsys)
    assert rc == 1 and err.strip() == "yuqing: error: yuqing.yaml exists; use --force to overwrite it"
    rc, out, err = run(["check"], capsys)
    assert rc == 0, err
    assert "locality: 清河县 (aliases: 清河)" in out
    assert "county-news: news, every 30 min" in out
    assert "digest daily at 17:00 Asia/Shanghai" in out
    assert out.strip().endswith("configuration OK")


BROKEN = {
    "bad-yaml": ("locality: [", "invalid YAML"),
    "unknown-key": ("locality: {name: 云溪县}\nlocalty: {}", "localty: unknown key"),
    "wrong-type": ("locality: {name: 云溪县}\nsources: [{name: a, kind: news, cadence_minutes: soon}]", "sources[0].cadence_minutes: 'soon'"),
    "missing-locality": ("sources: []", "locality: required but missing"),
    "toml": ("[locality\n", "invalid TOML"),
}


def _config_commands():
    return [["check"], ["db", "current"], ["users", "list"], *[[name] for name in sorted(STAGE_COMMANDS)]]


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("command", _config_commands(), ids=lambda c: " ".join(c))
def test_broken_config_is_one_line_from_every_command(tmp_path, capsys, case, command):
    text, message = BROKEN[case]
    path = tmp_path / ("yuqing.toml" if case == "toml" else "yuqing.yaml")
    path.write_text(text, encoding="utf-8")
    rc, out, err = run(["--config", str(path), *command], capsys)
    assert rc != 0
    assert err.count("\n") == 1, err
    assert err.startswith("yuqing: error: ") and message in err
    assert "Traceback" not in err


def test_missing_config_file(tmp_path, capsys):
    rc, _, err = run(["--config", str(tmp_path / "nope.yaml"), "check"], capsys)
    assert rc == 1
    assert err == f"yuqing: error: configuration file {tmp_path / 'nope.yaml'} does not exist\n"


def test_unknown_command_is_a_usage_error(capsys):
    rc, _, err = run(["frobnicate"], capsys)
    assert rc == 2 and "No such command 'frobnicate'" in err


def test_console_script_exit_code(tmp_path):
    bad = tmp_path / "b.yaml"
    bad.write_text("locality: {}", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(bad), "check"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr == "yuqing: error: locality.name: required but missing\n"


@pytest.mark.parametrize("module", ["yuqing", "yuqing.cli"])
def test_the_commands_run_as_a_module(tmp_path, module):
    cfg = tmp_path / "yuqing.yaml"
    cfg.write_text(f"locality: {{name: 云溪县}}\nstorage: {{data_dir: '{tmp_path / 'data'}'}}\n", encoding="utf-8")
    # a command of another module, reading the configuration (python -m yuqing.cli once lost it: a RuntimeError)
    proc = subprocess.run([sys.executable, "-m", module, "--config", str(cfg), "classify", "use", "--task", "topic",
                           "nope"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("yuqing: error: no model file nope.joblib"), proc.stderr


def test_db_upgrade_and_users(tmp_path, capsys, monkeypatch):
    path = tmp_path / "yuqing.yaml"
    path.write_text(
        "locality: {name: 云溪县}\nstorage: {data_dir: data}\n"
        "users: [{username: wang, name: 王监控, role: monitor}, {username: li, name: 李主任, role: office}]\n",
        encoding="utf-8",
    )
    rc, out, err = run(["--config", str(path), "db", "upgrade"], capsys)
    assert rc == 0, err and "empty → " in out
    rc, out, _ = run(["--config", str(path), "users", "list"], capsys)
    assert "wang\t王监控\t舆情监控员\tno password" in out
    rc, out, err = run(["--config", str(path), "users", "passwd", "wang", "--password", "s3cret-pass"], capsys)
    assert rc == 0, err
    rc, out, _ = run(["--config", str(path), "users", "list"], capsys)
    assert "wang\t王监控\t舆情监控员\tpassword set" in out
    rc, _, err = run(["--config", str(path), "users", "passwd", "nobody", "--password", "s3cret-pass"], capsys)
    assert rc == 1 and "no user 'nobody'" in err
    assert "s3cret" not in (tmp_path / "yuqing.yaml").read_text()


# -- operating-system errors, arguments that are not UTF-8, a data folder that is a file -------

def _one_error_line(rc, err, expected_rc=1):
    assert rc == expected_rc, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith("yuqing: error: "), err


def test_an_os_error_is_one_line_naming_the_path_and_the_reason(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("YUQING_CONFIG", raising=False)
    data = tmp_path / "d.csv"
    data.write_text("text,label\n拆迁补偿太低,1\n社保卡补办,0\n强拆民房,1\n天气很好,0\n", encoding="utf-8")
    rc, _, err = run(["classify", "train", "--task", "relevance", "--data", str(data),
                      "--out", "/proc/nope/m.joblib", "--folds", "0"], capsys)
    _one_error_line(rc, err)
    assert err == "yuqing: error: /proc/nope: No such file or directory\n"


def test_os_error_line_names_both_paths_of_a_rename():
    from yuqing.cli import _os_error

    assert _os_error(FileNotFoundError(2, "No such file or directory", "/a/b")) == "/a/b: No such file or directory"
    assert _os_error(OSError(18, "Invalid cross-device link", "/a", None, "/b")) == "/a → /b: Invalid cross-device link"
    assert _os_error(ConnectionRefusedError(111, "Connection refused")) == "Connection refused"


@pytest.mark.parametrize("args, what", [
    ([b"enter", b"--title", b"\xc4\xe3\xba\xc3"], "argument 5 (after --title)"),  # 你好 from a GBK terminal
    ([b"enter", b"--text=\xc4\xe3\xba\xc3"], "the value of --text"),
    ([b"parse", b"--source", b"news", b"\xd2\xb3\xc3\xe6.html"], "argument 6"),  # 页面.html
])
def test_arguments_that_are_not_utf8_are_refused_in_one_line(tmp_path, args, what):
    cfg = tmp_path / "yuqing.yaml"
    cfg.write_text("locality: {name: 云溪县}\nstorage: {data_dir: data}\n", encoding="utf-8")
    yuqing = Path(sys.executable).with_name("yuqing")  # the installed console script, given real bytes
    proc = subprocess.run([bytes(yuqing), b"--config", bytes(cfg), *args], capture_output=True,
                          env={**os.environ, "LC_ALL": "C.UTF-8"}, timeout=60)
    err = proc.stderr.decode("utf-8", "replace")
    _one_error_line(proc.returncode, err, expected_rc=2)
    assert err.startswith(f"yuqing: error: {what} is not valid UTF-8 text (b'"), err
    assert proc.stdout == b""
    assert not (tmp_path / "data" / "yuqing.db").exists(), "nothing was stored"


def _config_with_data_dir(tmp_path, data_dir: str) -> Path:
    path = tmp_path / "yuqing.yaml"
    path.write_text(f"locality: {{name: 云溪县}}\nstorage: {{data_dir: '{data_dir}'}}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["check"], ["db", "upgrade"], ["users", "list"]], ids=" ".join)
def test_a_data_dir_that_is_a_file_is_one_line_naming_the_key(tmp_path, capsys, command):
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    rc, out, err = run(["--config", str(_config_with_data_dir(tmp_path, "afile")), *command], capsys)
    _one_error_line(rc, err)
    assert err == "yuqing: error: storage.data_dir: 'afile': is a file; it must be a folder (database, models, digests)\n"
    assert "configuration OK" not in out
    rc, _, err = run(["--config", str(_config_with_data_dir(tmp_path, "afile/sub")), *command], capsys)
    _one_error_line(rc, err)
    assert err == f"yuqing: error: storage.data_dir: 'afile/sub': cannot be made a folder: {tmp_path / 'afile'} is a file\n"


def test_db_upgrade_into_a_file_is_one_line_even_past_validation(tmp_path, capsys, monkeypatch):
    # the file appears after the configuration was checked: the operating system's error is still one line
    import yuqing.config

    monkeypatch.setattr(yuqing.config, "_check_paths", lambda cfg: None)
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    rc, _, err = run(["--config", str(_config_with_data_dir(tmp_path, "afile")), "db", "upgrade"], capsys)
    _one_error_line(rc, err)
    assert err == f"yuqing: error: {tmp_path / 'afile'}: File exists\n"
