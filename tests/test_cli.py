"""The command line: help everywhere, one-line errors, init and check."""
from __future__ import annotations

import subprocess
import sys

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
