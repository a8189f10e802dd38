"""The ``yuqing`` command line.

Thin by design: it loads the configuration, opens the :class:`Deployment`, calls
a stage, and turns :class:`~yuqing.errors.YuqingError`, an operating-system
error (a path that cannot be read or written) and arguments that are not UTF-8
into one line on stderr (exit 1; usage errors exit 2). Stage commands live
beside their stage and are imported only when run, so ``yuqing --help`` stays fast.
"""
from __future__ import annotations

import importlib
import logging
import os
import re
import sys
from pathlib import Path

import click

from yuqing import __version__
from yuqing.config import EXAMPLE_CONFIG, ConfigError, find_config, load, redact_url, summary
from yuqing.errors import YuqingError

#: name → (module:attribute, one-line help). Each attribute is a click command or group.
STAGE_COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("yuqing.crawlers.cli:crawl", "Crawl the configured sources (all, or those named)."),
    "sources": ("yuqing.crawlers.cli:sources", "Show each source's health: last success, last error, items."),
    "parse": ("yuqing.crawlers.cli:parse", "Parse one saved page offline and print its posts as JSON lines."),
    "enter": ("yuqing.crawlers.cli:enter", "Enter a post seen elsewhere by hand (群众反映)."),
    "classify": ("yuqing.classify.cli:classify", "Train, evaluate and run the relevance, topic and negativity models."),
    "grade": ("yuqing.grading.cli:grade", "Group posts into events and grade them on the four-level scale."),
    "events": ("yuqing.grading.cli:events", "List, merge and split events; override a level."),
    "alerts": ("yuqing.alerts.cli:alerts", "Work the alert queue: list, show, advance, check deadlines."),
    "serve": ("yuqing.web.cli:serve", "Serve the monitors' web app (预警队列)."),
    "digest": ("yuqing.reports.cli:digest", "Write the daily digest (舆情日报) as HTML and DOCX."),
    "report": ("yuqing.reports.cli:report", "Write the monthly report (月报)."),
    "run": ("yuqing.scheduler_cli:run", "Run everything on schedule (crawls, grading, deadlines, digests)."),
    "schedule": ("yuqing.scheduler_cli:schedule", "List the scheduled jobs and their next run times."),
    "duty": ("yuqing.scheduler_cli:duty", "Declare or list 24-hour duty periods (值班)."),
    "store": ("yuqing.store.cli:store", "Post store administration: migrate posts to Elasticsearch."),
}


class YuqingGroup(click.Group):
    """A group whose stage commands are imported on first use."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["yuqing.argv"] = list(args)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(STAGE_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        cmd = super().get_command(ctx, name)
        if cmd is not None or name not in STAGE_COMMANDS:
            return cmd
        target, _help = STAGE_COMMANDS[name]
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise click.ClickException(f"command {name!r} is not available in this installation ({e})") from e

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in STAGE_COMMANDS and super().get_command(ctx, name) is None:
                rows.append((name, STAGE_COMMANDS[name][1]))
            else:
                cmd = super().get_command(ctx, name)
                rows.append((name, cmd.get_short_help_str(limit=80) if cmd else ""))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class State:
    """What the group callback hands to subcommands: the config path, opened on demand."""

    def __init__(self, config_path: str | None):
        self.config_path = config_path
        self._config = None
        self._deployment = None

    @property
    def config(self):
        if self._config is None:
            self._config = load(self.config_path)
        return self._config

    def deployment(self):
        if self._deployment is None:
            from yuqing.deployment import Deployment

            self._deployment = Deployment.open(self.config)
        return self._deployment

    def close(self) -> None:
        if self._deployment is not None:
            self._deployment.close()


pass_state = click.make_pass_decorator(State)

#: exit status of a command that ran without error and found nothing: ``yuqing parse`` (no posts on the
#: page), ``grade --input`` and ``classify predict --input`` (no posts in the input)
EXIT_NOTHING_FOUND = 3

#: the type of an id argument (alert, event, statement …): a whole number from 1 that fits the tables'
#: INTEGER keys (32-bit on PostgreSQL), so a mistyped huge number is a usage error, not an overflow in the driver
ID = click.IntRange(1, 2**31 - 1)


@click.group(cls=YuqingGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="YUQING_CONFIG",
    help="Configuration file (default: yuqing.yaml or yuqing.toml here, or $YUQING_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(__version__, prog_name="yuqing")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """yuqing 舆情监测 — find posts about your locality, grade them, and run the
    seven-step response against the 12-hour clock.

    Start with 'yuqing init' to write a configuration, 'yuqing check' to
    validate it, or 'yuqing demo' to see the whole chain on a local demo site.
    """
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)],
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    state = State(config_path)
    ctx.obj = state
    ctx.call_on_close(state.close)
    # A configuration that exists is validated before any command runs, so a broken
    # file is reported the same way whatever the command. Commands that write or
    # create their own configuration (init, demo) are exempt.
    argv = ctx.meta.get("yuqing.argv", [])
    if ctx.invoked_subcommand in ("init", "demo") or "--help" in argv or "-h" in argv:
        return
    try:
        find_config(config_path)
    except ConfigError:
        if config_path:
            raise
        return  # no file at all: commands that need one will say so
    state.config  # noqa: B018 - validate now


@cli.command()
@click.argument("path", default="yuqing.yaml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented example configuration to PATH (default yuqing.yaml)."""
    if path.exists() and not force:
        raise YuqingError(f"{path} exists; use --force to overwrite it")
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise YuqingError("the example configuration is YAML; name the file *.yaml")
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    click.echo(f"wrote {path}; edit it, then run: yuqing --config {path} check")


@cli.command()
@pass_state
def check(state: State) -> None:
    """Validate the configuration and say what the deployment would do."""
    cfg = state.config
    for line in summary(cfg):
        click.echo(line)
    problems = _environment_problems(cfg)
    for p in problems:
        click.echo(f"warning: {p}", err=True)
    click.echo("configuration OK")


def _environment_problems(cfg) -> list[str]:
    """Things a valid file still needs from the environment."""
    out = []
    for s in cfg.sources:
        if s.cookie_env and not os.environ.get(s.cookie_env):
            out.append(f"sources.{s.name}.cookie_env: {s.cookie_env} is not set; the source will crawl logged out")
    for c in cfg.notifications.channels:
        for attr in ("url_env", "secret_env", "smtp_user_env", "smtp_password_env"):
            var = getattr(c, attr)
            if var and not os.environ.get(var):
                out.append(f"notifications.channels.{c.name}.{attr}: {var} is not set")
    return out


@cli.group()
def db() -> None:
    """Database schema: upgrade and inspect."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: State) -> None:
    """Upgrade the schema to the newest revision, keeping all data."""
    from yuqing.db import connect, current_revision, migrate

    engine = connect(state.config.database_url)
    before = current_revision(engine)
    migrate(engine)
    click.echo(f"{redact_url(state.config.database_url)}: {before or 'empty'} → {current_revision(engine)}")


@db.command("current")
@pass_state
def db_current(state: State) -> None:
    """Show the schema revision of the database and the newest one known."""
    from yuqing.db import connect, current_revision, head_revision

    engine = connect(state.config.database_url)
    click.echo(f"database: {current_revision(engine) or 'empty'}; newest: {head_revision()}")


@cli.group()
def users() -> None:
    """Users and passwords (roles come from the configuration)."""


@users.command("list")
@pass_state
def users_list(state: State) -> None:
    """List users with their roles."""
    from sqlalchemy import select

    from yuqing.domain import Role
    from yuqing.models import User

    dep = state.deployment()
    with dep.sessions() as s:
        for u in s.scalars(select(User).order_by(User.username)):
            pw = "password set" if u.password_hash else "no password"
            click.echo(f"{u.username}\t{u.name}\t{Role(u.role).label}\t{pw}")


@users.command("passwd")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="New password (prompted).")
@pass_state
def users_passwd(state: State, username: str, password: str) -> None:
    """Set a user's password."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from yuqing import audit
    from yuqing.models import User

    if len(password) < 8:
        raise YuqingError("a password needs at least 8 characters")
    dep = state.deployment()
    with dep.sessions() as s, s.begin():
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise YuqingError(f"no user {username!r}; add users in the configuration's users section")
        user.password_hash = generate_password_hash(password)
        audit.record(s, audit.SYSTEM, "user.password", user)
    click.echo(f"password set for {username}")


@cli.command()
@click.option("--dir", "workdir", default="yuqing-demo", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Where the demo keeps its configuration, database and digest.")
@click.option("--port", default=0, type=int, help="Port of the local demo site (default: any free port).")
@click.option("--fresh", is_flag=True, help="Start from an empty database.")
def demo(workdir: Path, port: int, fresh: bool) -> None:
    """Run the whole chain on a bundled local demo site: crawl → classify → grade → alerts → digest."""
    from yuqing.demo.run import run_demo

    run_demo(workdir, port=port, fresh=fresh, echo=click.echo)


def report_intake(intake) -> None:
    """Say on stderr what a JSON-lines input had wrong: each bad line, then the ignored fields (once).

    Commands that read posts call it after printing their results, and exit 1
    when a line was bad (the good lines were still processed), or
    :data:`EXIT_NOTHING_FOUND` with one warning when the input held no post at
    all (empty, or blank lines only)."""
    for message in intake.errors:
        click.echo(f"yuqing: error: {_one_line(message)}", err=True)
    warning = intake.unknown_warning()
    if warning:
        click.echo(f"yuqing: warning: {_one_line(warning)}", err=True)
    if intake.errors:
        raise click.exceptions.Exit(1)
    if not intake.records:
        click.echo("yuqing: warning: no posts in the input (it is empty or has only blank lines)", err=True)
        raise click.exceptions.Exit(EXIT_NOTHING_FOUND)


def _not_utf8(args: list[str]) -> str | None:
    """Describe the first argument that is not UTF-8 text, or None when all are.

    Python hands bytes that are not UTF-8 (a GBK terminal's 你好 is c4 e3 ba c3)
    over as lone surrogates, which no database, file or page can take."""
    for i, arg in enumerate(args):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            continue
        name, eq, value = arg.partition("=")
        if arg.startswith("--") and eq:
            what, arg = f"the value of {name}", value
        else:
            what = f"argument {i + 1}" + (f" (after {args[i - 1]})" if i and args[i - 1].startswith("-") else "")
        try:
            shown = repr(os.fsencode(arg))
        except UnicodeError:
            shown = ascii(arg)
        return f"{what} is not valid UTF-8 text ({shown}); set the terminal or script to UTF-8"
    return None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: an error line is cut here: a value of megabytes quoted in a message is not read on a terminal
MAX_MESSAGE = 1000


def _one_line(message) -> str:
    """A message as one line on a terminal: control characters (a newline, a CSV header's \\x1e …) are
    escaped, and a message quoting megabytes of input is cut."""
    text = str(message)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 1] + "…"
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


def _os_error(e: OSError) -> str:
    """An operating-system error as one line: the path(s) and the reason."""
    reason = e.strerror or str(e) or type(e).__name__
    paths = [os.fsdecode(p) for p in (e.filename, e.filename2) if p is not None]
    return f"{' → '.join(paths)}: {reason}" if paths else reason


def main(argv: list[str] | None = None) -> int:
    """Console entry point: user errors become one line on stderr.

    Exit status: 0 done, 1 error, 2 wrong usage, 3 (:data:`EXIT_NOTHING_FOUND`)
    nothing found where a command documents it (``parse``, ``grade --input``,
    ``classify predict --input``), 130 interrupted."""
    problem = _not_utf8(sys.argv[1:] if argv is None else list(argv))
    if problem:
        click.echo(f"yuqing: error: {problem}", err=True)
        return 2
    try:
        rv = cli.main(args=argv, prog_name="yuqing", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("yuqing: aborted", err=True)
        return 130
    except click.ClickException as e:
        click.echo(f"yuqing: error: {_one_line(e.format_message())}", err=True)
        return e.exit_code if e.exit_code != 1 or not isinstance(e, click.UsageError) else 2
    except click.exceptions.Exit as e:
        return e.exit_code
    except YuqingError as e:
        click.echo(f"yuqing: error: {_one_line(e)}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("yuqing: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # a file or folder the command could not read or write: the path and why
        click.echo(f"yuqing: error: {_one_line(_os_error(e))}", err=True)
        return 1
    # a command that raised click's Exit (a partial failure after its output) returns its status here
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0


def run() -> None:  # pragma: no cover
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover - python -m yuqing.cli
    # run as a script this file is a module of its own, ``__main__``, and the commands registered by the
    # other modules are on ``yuqing.cli``'s group: run that one (``python -m yuqing`` does the same)
    from yuqing.cli import run as _run

    _run()
