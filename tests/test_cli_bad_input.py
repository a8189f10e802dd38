"""Broken input on the command line: never a traceback, always one line saying what is wrong.

Each command that reads a file or takes a value from the user is fed inputs that
hypothesis generates: empty, binary junk, GBK bytes, truncated JSON, CSV and
YAML, a few megabytes, values of the wrong type. For each the contract is:

* exit status non-zero (1 error, 2 wrong usage), or 3 — "nothing found" — where
  the command documents it (``parse``, ``grade --input``, ``classify predict --input``);
* on stderr exactly one line ``yuqing: error: …`` (for "nothing found", one
  ``yuqing: warning: …``); the commands that report bad input lines one by one
  print one error line per bad line and at most one warning line;
* no traceback anywhere, and nothing on stdout.

Commands run in-process through :func:`yuqing.cli.main` (an exception escaping
it is what the console script would print as a traceback); a few run as the
installed ``yuqing`` script, to see the real stderr. The number of cases tried
is printed per command and in total (``pytest -s``) and named in any failure.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import LOCALITY

from yuqing.cli import EXIT_NOTHING_FOUND, main

CASES: Counter = Counter()

SETTINGS = settings(
    deadline=None,
    derandomize=True,  # the same cases on every run and in CI
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.filter_too_much],
)
FEW, SOME, MANY = (settings(SETTINGS, max_examples=n) for n in (40, 60, 100))


# -- the deployment the commands run against --------------------------------------------------

class Env:
    def __init__(self, root: Path):
        self.root = root
        self.config = root / "yuqing.yaml"
        self.model = root / "relevance.joblib"
        self.n = 0

    def path(self, suffix: str) -> Path:
        self.n += 1
        return self.root / "inputs" / f"case{self.n}{suffix}"

    def file(self, content: bytes, suffix: str = ".txt") -> Path:
        p = self.path(suffix)
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(content)
        return p


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-input")
    e = Env(root)
    e.config.write_text(yaml.safe_dump({
        "locality": dict(LOCALITY), "storage": {"data_dir": "data"},
        "users": [{"username": "wang", "name": "王监控", "role": "monitor"}],
    }, allow_unicode=True), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("YUQING_CONFIG", raising=False)
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))  # shared with test_grading_cli
        mp.chdir(root)
        assert main(["--config", str(e.config), "db", "upgrade"]) == 0
        data = root / "train.csv"
        data.write_text("text,label\n" + "".join(f"云溪县白沙镇强拆民房第{i}起,1\n今天天气很好适合出游{i},0\n" for i in range(6)),
                        encoding="utf-8")
        rc, _, err = run(["classify", "train", "--task", "relevance", "--data", str(data), "--out", str(e.model),
                          "--folds", "0"], e, count=False)
        assert rc == 0, err
        yield e
    total = sum(CASES.values())
    print(f"\nbad-input cases tried: {total} — " + ", ".join(f"{k} {v}" for k, v in sorted(CASES.items())))


def run(args: list[str], env: Env, stdin: bytes = b"", count: bool = True) -> tuple[int | None, str, str]:
    """``yuqing --config CONFIG ARGS`` in-process; an exception that escapes main() is shown as the traceback it would be."""
    if count:
        CASES[" ".join(a for a in args[:2] if not a.startswith("-"))] += 1
    with CliRunner().isolation(input=stdin) as (out, err, _):
        try:
            rc = main(["--config", str(env.config), *args])
        except BaseException:  # noqa: BLE001 - the point: nothing may escape
            rc = None
            sys.stderr.write(traceback.format_exc())
    return rc, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace")


def _show(args, content: bytes | None = None) -> str:
    shown = [a if len(a) < 80 else f"{a[:40]!r}…({len(a)} chars)" for a in args]
    if content is not None:
        shown.append(f"<file {content[:60]!r}… {len(content)} bytes>" if len(content) > 60 else f"<file {content!r}>")
    return " ".join(map(str, shown)) + f"  [case {sum(CASES.values())}]"


def assert_one_error(result, args, content=None, *, nothing_found=False, per_line=False):
    """The contract for a broken input (see the module docstring)."""
    rc, out, err = result
    what = _show(args, content)
    assert "Traceback" not in err + out, f"{what}\n{err[-3000:]}"
    assert rc is not None, what
    lines = err.splitlines()
    if nothing_found and rc == EXIT_NOTHING_FOUND:
        assert len(lines) == 1 and lines[0].startswith("yuqing: warning: "), f"{what}\n{err[:2000]}"
        assert out == "", what
        return
    assert rc in (1, 2), f"{what}: exit {rc}\n{err[:2000]}"
    assert out == "", f"{what}: printed {out[:300]!r}"
    if per_line and rc == 1:
        errors = [x for x in lines if x.startswith("yuqing: error: ")]
        warnings = [x for x in lines if x.startswith("yuqing: warning: ")]
        assert errors and len(warnings) <= 1 and len(errors) + len(warnings) == len(lines), f"{what}\n{err[:2000]}"
    else:
        assert len(lines) == 1 and lines[0].startswith("yuqing: error: "), f"{what}\n{err[:2000]}"


# -- what broken input looks like --------------------------------------------------------------

class HugeText(str):
    """A few megabytes of text, shown short in hypothesis' report of a failing case."""

    def __repr__(self) -> str:
        return f"<{len(self)} characters: {str.__repr__(self[:30])}…>"


class HugeBytes(bytes):
    def __repr__(self) -> str:
        return f"<{len(self)} bytes: {bytes.__repr__(self[:30])}…>"


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
PLACE = st.text(CJK, min_size=1, max_size=30)


def _utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


#: bytes that are never UTF-8: junk with a byte no UTF-8 text has, somewhere
BINARY = st.tuples(st.binary(max_size=3000), st.integers(0, 3000),
                   st.sampled_from([b"\xff", b"\xfe", b"\xc0\xaf", b"\x80", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])
                   ).map(lambda t: t[0][:t[1]] + t[2] + t[0][t[1]:])
#: junk on one line (no \n or \r), repeated to a few megabytes
HUGE_LINE = st.tuples(st.binary(min_size=1, max_size=24).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"") or b"x"),
                      st.integers(2_000_000, 3_000_000)).map(lambda t: HugeBytes(t[0] * (t[1] // len(t[0]))))
BLANK = st.text(" \t\r\n", max_size=20).map(str.encode)
#: values of the wrong kind for a field that wants text or a number
NOT_TEXT = st.one_of(st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
                     st.booleans())
NOT_A_NUMBER = st.one_of(st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
WORD = st.text(st.characters(min_codepoint=ord("A"), max_codepoint=ord("z"), exclude_characters="[\\]^_`"), min_size=1,
               max_size=20)  # letters only: never a number, a date or a time
GBK_ARG = PLACE.map(lambda t: t.encode("gbk")).filter(lambda b: not _utf8(b)).map(lambda b: b.decode("utf-8", "surrogateescape"))

POST = st.fixed_dictionaries({"id": st.integers(1, 10**6), "text": PLACE},
                             optional={"title": PLACE, "source": st.sampled_from(["weibo", "board"]),
                                       "published_at": st.just("2026-11-20T08:00:00+08:00"), "reposts": st.integers(0, 99)})


def _cut(s: str, at: int) -> str:
    return s[:max(1, min(at, len(s) - 1))]


TRUNCATED_JSON = st.tuples(POST.map(lambda d: json.dumps(d, ensure_ascii=False)), st.integers(1, 400)).map(lambda t: _cut(*t))

#: a post line with one field wrong (each line is bad on its own)
WRONG_POST = st.one_of(
    st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=10), st.none(), st.booleans(),
              st.lists(st.integers(), max_size=3)),  # not an object
    st.tuples(POST, st.sampled_from(["title", "source", "url", "author", "kind", "topic", "id"]), NOT_TEXT)
      .map(lambda t: {**t[0], t[1]: t[2]}),
    st.tuples(POST, st.sampled_from(["reposts", "comments", "likes", "author_followers"]),
              st.one_of(WORD, NOT_TEXT.filter(lambda v: not isinstance(v, bool)), st.just(float("inf")),
                        st.just(float("nan")), st.just("9" * 5000))).map(lambda t: {**t[0], t[1]: t[2]}),
    st.tuples(POST, st.one_of(WORD, NOT_TEXT, st.just(1e20), st.just("0001-01-01T00:00:00"))).map(
        lambda t: {**t[0], "published_at": t[1]}),
    st.tuples(POST, st.one_of(WORD, NOT_TEXT, st.sampled_from(["国家级", "SELF", ""]).filter(bool))).map(
        lambda t: {**t[0], "media_level": t[1]}),
    st.tuples(POST, st.one_of(st.floats(min_value=1.001, allow_infinity=True), st.floats(max_value=-0.001), WORD, NOT_TEXT))
      .map(lambda t: {**t[0], "negativity": t[1]}),
    st.tuples(POST, st.one_of(st.none(), st.just(""), st.just("   "), st.integers(), NOT_TEXT)).map(
        lambda t: {k: v for k, v in {**t[0], "text": t[1]}.items() if k != "title"}),
    POST.map(lambda d: {k: v for k, v in d.items() if k != "id"}),
)


def _jsonl(values) -> bytes:
    return "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values).encode("utf-8")


JSONL = st.one_of(
    BLANK,
    BINARY.map(lambda b: b.replace(b"\n", b" ").replace(b"\r", b" ")),  # one line that is not UTF-8
    st.lists(POST.map(lambda d: json.dumps(d, ensure_ascii=False).encode("gbk")).filter(lambda b: not _utf8(b)),
             min_size=1, max_size=3).map(b"\n".join),
    TRUNCATED_JSON.map(str.encode),
    st.one_of(HUGE_LINE, st.just(HugeBytes(b'{"id": 1, "text": "' + "强拆".encode() * 800_000)),
              st.just(HugeBytes(b'{"text": "' + b"x" * 3_000_000 + b'"}')), st.just(HugeBytes(b"[" * 2_000_000))),
    st.lists(WRONG_POST, min_size=1, max_size=6).map(_jsonl),
)

CSV_TEXT = st.lists(st.tuples(PLACE, st.sampled_from(["1", "0", "相关", "无关"])), min_size=1, max_size=5).map(
    lambda rows: "text,label\n" + "".join(f"{t},{lab}\n" for t, lab in rows))
CSV = st.one_of(
    BLANK,
    BINARY,
    CSV_TEXT.map(lambda s: s.encode("gbk")).filter(lambda b: not _utf8(b)),
    st.tuples(CSV_TEXT, PLACE).map(lambda t: (t[0] + '"' + t[1]).encode()),  # cut inside a quoted field
    st.one_of(HUGE_LINE, st.just(HugeBytes(b'text,label\n"' + b"x" * 3_000_000))),
    st.one_of(st.lists(st.text(st.characters(codec="utf-8", exclude_characters=",\"\n\r"), min_size=1, max_size=8),
                       min_size=1, max_size=4).filter(lambda cols: not {"text", "label"} <= {c.strip().lower().lstrip("\ufeff") for c in cols})
              .map(lambda cols: (",".join(cols) + "\n某某,1\n").encode()),  # the wrong columns
              POST.map(lambda d: json.dumps(d, ensure_ascii=False).encode()),  # JSON, not CSV
              st.lists(PLACE, min_size=1, max_size=4).map(lambda ts: ("text,label\n" + "".join(f"{t},\n" for t in ts)).encode())),
)

#: a configuration that is wrong in one place
WRONG_SECTION = st.one_of(
    st.tuples(st.just("locality"), st.one_of(NOT_TEXT, st.integers(), st.just({"name": ""}), st.just({"nmae": "云溪县"}))),
    st.tuples(st.just("sources"), st.one_of(WORD, st.just([{"name": "Bad Name", "kind": "news"}]),
                                            st.just([{"name": "a", "kind": "twitter"}]), st.just([{"name": "a"}]))),
    st.tuples(st.just("thresholds"), st.one_of(WORD, st.fixed_dictionaries({"interactions_minor": st.one_of(WORD, NOT_A_NUMBER)}),
                                               st.fixed_dictionaries({"relevance_min": st.floats(min_value=1.01)}))),
    st.tuples(st.just("web"), st.fixed_dictionaries({"port": st.one_of(st.integers(max_value=0), st.integers(min_value=65536), WORD)})),
    st.tuples(st.just("schedule"), st.fixed_dictionaries({"digest_time": st.one_of(WORD, st.just("25:61"))})),
    st.tuples(st.just("storage"), st.one_of(st.fixed_dictionaries({"data_dir": NOT_TEXT}),
                                            st.fixed_dictionaries({"posts": WORD.filter(lambda w: w not in ("sql", "elasticsearch"))}))),
    st.tuples(st.just("timezone"), st.one_of(WORD.map(lambda w: f"Mars/{w}"), NOT_TEXT)),
    st.tuples(WORD.map(lambda w: f"x{w}"), st.integers()),  # an unknown section
)


def _config(section) -> bytes:
    key, value = section
    data = {"locality": {"name": "云溪县"}}
    data[key] = value
    return yaml.safe_dump(data, allow_unicode=True).encode()


CONFIG = st.one_of(
    st.one_of(BLANK, st.just(b"# only a comment\n")),
    BINARY,
    st.tuples(PLACE, PLACE).map(lambda t: f"locality: {{name: {t[0]}, aliases: [{t[1]}]}}\n".encode("gbk")).filter(
        lambda b: not _utf8(b)),
    st.tuples(PLACE, st.integers(1, 200)).map(  # cut before its closing brace
        lambda t: _cut(f"locality: {{name: {t[0]}, aliases: [{t[0][:2]}], units: [白沙镇, 城关镇]}}", t[1]).encode()),
    st.one_of(HUGE_LINE, st.just(HugeBytes(b"locality: " + b"[" * 2_000_000)), st.just(HugeBytes(b"a: b\n" * 300_000))),
    WRONG_SECTION.map(_config),
)

#: a value where a date, a month or an id belongs
TODAY = date.today()
NOT_A_VALUE = st.one_of(st.just(""), WORD, GBK_ARG, st.just(HugeText("9" * 3_000_000)), st.sampled_from(["[]", "{}", "true", "null", "1.5", "--"]))
BAD_DATE = st.one_of(
    NOT_A_VALUE,
    st.dates(max_value=date(1999, 12, 31)).map(date.isoformat),
    st.dates(min_value=TODAY + timedelta(days=3)).map(date.isoformat),
    st.tuples(st.integers(2000, 2099), st.integers(1, 12), st.integers(32, 99)).map(lambda t: "%04d-%02d-%02d" % t),
)
BAD_MONTH = st.one_of(
    NOT_A_VALUE,
    st.tuples(st.integers(1, 1999), st.integers(1, 12)).map(lambda t: "%04d-%02d" % t),
    st.tuples(st.integers(TODAY.year + 1, 9999), st.integers(1, 12)).map(lambda t: "%04d-%02d" % t),
    st.tuples(st.integers(2000, 2099), st.integers(13, 99)).map(lambda t: "%04d-%02d" % t),
)
#: ids: not a number, not a whole number, too big for the database, none of the ids there are
BAD_ID = st.one_of(NOT_A_VALUE, st.just("0"), st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.3f}"),
                   st.integers(min_value=2**31), st.integers(1, 2**31 - 1)).map(str)


# -- the commands --------------------------------------------------------------------------------

@SOME
@given(st.data())
def test_enter(env, data):
    broken = data.draw(st.sampled_from(["empty", "gbk", "date"]))
    if broken == "empty":
        blank = st.text(" \t\r\n\u3000\x0b\x0c", max_size=10)
        args = ["enter", "--title", data.draw(blank), "--text", data.draw(blank)]
    elif broken == "gbk":
        option = data.draw(st.sampled_from(["--title", "--text", "--author", "--url", "--published-at", "--by"]))
        args = ["enter", "--title", "幸福社区群众反映", option, data.draw(GBK_ARG)]
    else:
        when = data.draw(st.one_of(
            NOT_A_VALUE.filter(lambda v: v not in ("", "--")),
            st.datetimes(max_value=datetime(1999, 12, 31, 15)).map(lambda t: t.strftime("%Y-%m-%d %H:%M")),
            st.dates(min_value=TODAY + timedelta(days=3), max_value=date(2099, 12, 31)).map(lambda d: f"{d:%Y年%m月%d日}"),
            st.just(HugeText("1" * 3_000_000)),
        ))
        args = ["enter", "--title", "幸福社区群众反映", f"--published-at={when}"]
    assert_one_error(run(args, env), args)


PARSE_KINDS = ["news", "weibo", "weibo_mobile", "baidu", "baidu_news", "tieba", "weixin", "sogou_weixin", "rss",
               "board", "youdao"]
#: what no parser can read posts from (a real GBK page is good input for parse, so GBK is not here)
PAGE = st.one_of(BLANK, BINARY, TRUNCATED_JSON.map(str.encode), HUGE_LINE,
                 st.recursive(st.one_of(st.none(), st.booleans()), lambda inner: st.one_of(
                     st.lists(inner, max_size=3),
                     st.dictionaries(st.sampled_from(["data", "cards", "mblog", "text", "id", "list", "items", "title"]),
                                     inner, max_size=4)), max_leaves=12).map(lambda v: json.dumps(v).encode()))


@SOME
@given(st.sampled_from(PARSE_KINDS), PAGE)
def test_parse(env, kind, content):
    page = env.file(content, ".html")
    args = ["parse", "--source", kind, str(page)]
    assert_one_error(run(args, env), args, content, nothing_found=True)


@pytest.mark.parametrize("command", [["grade"], ["classify", "predict"]], ids=" ".join)
def test_posts_input(env, command):
    @SOME
    @given(JSONL)
    def check(content):
        path = env.file(content, ".jsonl")
        args = [*command, "--input", str(path)]
        assert_one_error(run(args, env), args, content, nothing_found=True, per_line=True)
        strict = run([*args, "--strict"], env)  # the first bad line alone
        assert_one_error(strict, [*args, "--strict"], content, nothing_found=True)

    check()
    # standard input, and a path that is not a file
    args = [*command, "--input", "-"]
    assert_one_error(run(args, env, stdin=b"\xff\xfe{\n"), args, per_line=True)
    for path in ["/nonexistent/posts.jsonl", str(env.root)]:
        assert_one_error(run([*command, "--input", path], env), [*command, "--input", path])


@pytest.mark.parametrize("command", ["train", "eval"])
def test_classify_data(env, command):
    @FEW
    @given(CSV)
    def check(content):
        data = env.file(content, ".csv")
        if command == "train":
            args = ["classify", "train", "--task", "topic", "--data", str(data), "--out", str(env.path(".joblib")), "--folds", "0"]
        else:
            args = ["classify", "eval", "--model", str(env.model), "--data", str(data)]
        assert_one_error(run(args, env), args, content)

    check()


@SOME
@given(CONFIG, st.sampled_from([".yaml", ".toml"]))
def test_check_with_a_broken_configuration(env, content, suffix):
    path = env.file(content, suffix)
    args = ["--config", str(path), "check"]
    CASES["check"] += 1
    with CliRunner().isolation() as (out, err, _):
        try:
            rc = main(args)
        except BaseException:  # noqa: BLE001
            rc = None
            sys.stderr.write(traceback.format_exc())
    result = rc, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace")
    assert_one_error(result, args, content)


@FEW
@given(BAD_DATE)
def test_digest_date(env, value):
    args = ["digest", f"--date={value}", "--out", str(env.root / "digests")]
    assert_one_error(run(args, env), args)


@FEW
@given(BAD_MONTH)
def test_report_month(env, value):
    args = ["report", "monthly", f"--month={value}", "--out", str(env.root / "monthly")]
    assert_one_error(run(args, env), args)


ID_COMMANDS = {
    "events show": ["events", "show", "{id}"],
    "events level": ["events", "level", "{id}", "--level", "一般", "--user", "wang", "--reason", "核实"],
    "events merge": ["events", "merge", "{id}", "{id}", "--user", "wang"],
    "events split": ["events", "split", "{id}", "--posts", "1,2", "--user", "wang"],
    "alerts show": ["alerts", "show", "{id}"],
    "alerts advance": ["alerts", "advance", "{id}", "--step", "3", "--user", "wang", "--note", "快报"],
    "alerts close": ["alerts", "close", "{id}", "--user", "wang"],
    "alerts dismiss": ["alerts", "dismiss", "{id}", "--user", "wang", "--reason", "误报"],
    "alerts follow-up": ["alerts", "follow-up", "{id}", "--user", "wang", "--note", "跟帖"],
    "alerts statement draft": ["alerts", "statement", "draft", "{id}", "--user", "wang", "--text", "通稿"],
    "alerts statement review": ["alerts", "statement", "review", "{id}", "--user", "wang", "--pass"],
    "alerts statement list": ["alerts", "statement", "list", "{id}"],
    "alerts liaison send": ["alerts", "liaison", "send", "{id}", "--user", "wang", "--unit", "城管局", "--content", "核实"],
    "alerts liaison answer": ["alerts", "liaison", "answer", "{id}", "--user", "wang", "--answer", "已核实"],
    "duty remove": ["duty", "remove", "{id}"],
}
@MANY
@given(st.sampled_from(sorted(ID_COMMANDS)), BAD_ID)
def test_commands_taking_ids(env, name, value):
    args = [value if a == "{id}" else a for a in ID_COMMANDS[name]]  # "-1.5" is read as an unknown option: usage error
    assert_one_error(run(args, env), args)


@pytest.mark.parametrize("args", [[str(2**63) if a == "{id}" else a for a in ID_COMMANDS[name]]
                                  for name in ("events show", "events level")]
                         + [["events", "list", "--limit", str(2**63)]], ids=lambda a: " ".join(a[:2]))
def test_events_ids_past_the_database_range(env, args):
    assert_one_error(run(args, env), args)


@FEW
@given(st.sampled_from(["draft", "review"]), st.one_of(BINARY, CSV_TEXT.map(lambda s: s.encode("gbk")).filter(lambda b: not _utf8(b))))
def test_statement_files(env, command, content):
    path = env.file(content, ".txt")
    args = (["alerts", "statement", "draft", "1", "--user", "wang", "--file", str(path)] if command == "draft" else
            ["alerts", "statement", "review", "1", "--user", "wang", "--pass", "--revised-file", str(path)])
    assert_one_error(run(args, env), args, content)


@FEW
@given(st.sampled_from([["alerts", "check-deadlines"], ["alerts", "sync"], ["alerts", "close", "1", "--user", "wang"]]),
       st.one_of(NOT_A_VALUE.filter(bool), st.dates(max_value=date(1999, 12, 31)).map(lambda d: f"{d}T00:00"),
                 st.just("9999-12-31T23:59-05:00")))
def test_alert_times(env, command, value):
    args = [*command, f"--at={value}"]
    assert_one_error(run(args, env), args)


# -- the installed script: the real stderr, with the parsers' log lines --------------------------

@pytest.mark.parametrize("case", ["parse-junk", "parse-json", "grade-junk", "check-binary"])
def test_installed_script_prints_one_line(env, case):
    script = Path(sys.executable).with_name("yuqing")
    if case.startswith("parse"):
        page = env.file(b"\x00\xff" * 1000 if case == "parse-junk" else b'{"data": {"cards": [{"mblog": null}]}}', ".html")
        args, status = ["parse", "--source", "weibo_mobile" if case == "parse-json" else "news", str(page)], EXIT_NOTHING_FOUND
    elif case == "grade-junk":
        args, status = ["grade", "--input", str(env.file(b"\xff" + b"x" * 100, ".jsonl"))], 1
    else:
        args, status = ["--config", str(env.file(os.urandom(200) + b"\xff", ".yaml")), "check"], 1
    full = args if args[0] == "--config" else ["--config", str(env.config), *args]
    CASES["installed script"] += 1
    proc = subprocess.run([str(script), *full], capture_output=True, timeout=120, cwd=env.root,
                          env={**os.environ, "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(env.root / "xdg"))})
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == status and "Traceback" not in err, err
    assert len(err.splitlines()) == 1 and err.startswith("yuqing: warning: " if status == EXIT_NOTHING_FOUND else "yuqing: error: "), err
    assert proc.stdout == b""
