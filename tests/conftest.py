"""Shared fixtures: configurations, deployments on each database, the shared data folder.

Databases: SQLite always; PostgreSQL when ``YUQING_TEST_PG_URL`` points at a
server where the user may create databases (scripts/services.sh starts one).
Each PostgreSQL test gets a database of its own, dropped afterwards.
"""
from __future__ import annotations

import copy
import os
import shutil
import time
import uuid
import warnings
from pathlib import Path

import pytest

from yuqing.config import from_dict
from yuqing.demo.run import DEMO_LOCALITY

ROOT = Path(__file__).resolve().parents[1]
#: real public datasets and saved pages (never copied into the repository); YUQING_SHARED_DATA moves it
SHARED_DATA = Path(os.environ.get("YUQING_SHARED_DATA") or ROOT.parent / "shared" / "data")

#: the fictional locality every test and the demo watch (a copy: tests may change theirs)
LOCALITY = copy.deepcopy(DEMO_LOCALITY)


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path} (tests that read ../shared/data skip without it)")
    return path


@pytest.fixture
def shared():
    return shared_data


def make_config(tmp_path: Path, database_url: str | None = None, **sections):
    data = {"locality": dict(LOCALITY), "storage": {"data_dir": str(tmp_path / "data")}}
    if database_url:
        data["storage"]["database_url"] = database_url
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    cfg = from_dict(data, tmp_path / "yuqing.yaml")
    return cfg


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def shipped_models(tmp_path_factory):
    """The shipped classify and severity models for the test county, trained once per run as a new office's
    first run trains them: (model folder, {task: classify model path}). Tests copy the folder
    (``copy_models``) or share ``shared_models``; none writes to this one."""
    from yuqing.classify.api import ensure_models
    from yuqing.grading.severity import ensure_model

    cfg = make_config(tmp_path_factory.mktemp("shipped"))
    paths = ensure_models(cfg)
    ensure_model(cfg)
    return cfg.model_dir, paths


def copy_models(shipped_models, model_dir) -> Path:
    """The shipped models copied into a deployment's model folder (what it would have trained on first use)."""
    shutil.copytree(shipped_models[0], model_dir, dirs_exist_ok=True)
    return Path(model_dir)


@pytest.fixture(scope="session")
def shared_models(shipped_models, tmp_path_factory):
    """One model folder that the grading tests share (some add level corrections to it): the shipped models."""
    return copy_models(shipped_models, tmp_path_factory.getbasetemp() / "grading-models")


def _pg_database():
    """Create a throwaway PostgreSQL database; yields its URL."""
    base = os.environ.get("YUQING_TEST_PG_URL")
    if not base:
        pytest.skip("PostgreSQL not configured: set YUQING_TEST_PG_URL (scripts/services.sh does)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"yuqing_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # server down
        admin.dispose()
        pytest.skip(f"PostgreSQL at YUQING_TEST_PG_URL is not usable: {str(e).splitlines()[0]}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        _drop_database(admin, name)
        admin.dispose()


def _drop_database(admin, name: str) -> None:
    """Drop a throwaway database. An autovacuum worker busy in it belongs to the server, and the test role
    may not end it (InsufficientPrivilege): it is done in a moment, so the drop is tried again, and a
    database left over is said, not made a test's error."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for attempt in range(10):
        try:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError as e:
            last = e
            time.sleep(0.5)
    warnings.warn(f"test database {name} left over: {str(last).splitlines()[0]}", stacklevel=1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A fresh empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _pg_database()


@pytest.fixture
def pg_url():
    yield from _pg_database()


@pytest.fixture
def deployment(tmp_path, database_url):
    """An opened deployment (schema migrated) on each database backend."""
    from yuqing.deployment import Deployment

    dep = Deployment.open(make_config(tmp_path, database_url))
    yield dep
    dep.close()


@pytest.fixture
def sqlite_deployment(tmp_path):
    from yuqing.deployment import Deployment

    dep = Deployment.open(make_config(tmp_path))
    yield dep
    dep.close()


def _elastic_store(tmp_path):
    """A post store on a real Elasticsearch node, in an index of its own."""
    url = os.environ.get("YUQING_TEST_ES_URL")
    if not url:
        pytest.skip("Elasticsearch not configured: set YUQING_TEST_ES_URL (scripts/services.sh starts a node)")
    try:
        from yuqing.store.elastic import ElasticPostStore
    except ImportError as e:
        pytest.skip(f"Elasticsearch store not installed: {e}")
    prefix = f"yuqing-test-{uuid.uuid4().hex[:10]}"
    cfg = make_config(tmp_path, storage={"data_dir": str(tmp_path / "data"), "posts": "elasticsearch",
                                         "elasticsearch": {"hosts": [url], "index_prefix": prefix}})
    store = ElasticPostStore.from_config(cfg)
    try:
        yield store
    finally:
        store.drop_all()
        store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def post_store(request, tmp_path):
    """Every PostStore implementation, each fresh: the same tests must pass on all."""
    if request.param == "elasticsearch":
        yield from _elastic_store(tmp_path)
        return
    from yuqing.db import connect, migrate
    from yuqing.store.sql import SqlPostStore

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        engine = connect(url)
        migrate(engine)
        yield SqlPostStore(engine)
        engine.dispose()
    else:
        for url in _pg_database():
            engine = connect(url)
            migrate(engine)
            yield SqlPostStore(engine)
            engine.dispose()


# -- benchmarks run on small inputs, in the background ---------------------------------------------------------------
# Each benchmark's smoke run (tests/test_benchmarks.py) trains its own models in a process of its own and takes
# 10–70 s on one core, about five minutes in all, while the rest of the suite keeps to one core. So they start, one
# at a time, as soon as the suite is collected, on the machine's other core, and their tests go last and read what
# they printed.
BENCHMARK_TEST = "tests/test_benchmarks.py::test_benchmark_runs_on_small_inputs"


class BenchmarkRuns:
    """The benchmark smoke runs started in a background thread: ``result(name)`` waits for one (and runs it then if
    it was not started)."""

    def __init__(self):
        import threading

        self._lock = threading.Lock()
        self._done: dict[str, tuple[int, str, str]] = {}
        self._events: dict[str, threading.Event] = {}
        self._proc = None
        self._stopped = False
        self._thread = None

    def start(self, names: list[str]) -> None:
        import threading

        for name in names:
            self._events.setdefault(name, threading.Event())
        self._thread = threading.Thread(target=self._run_all, args=(list(names),), daemon=True, name="benchmarks")
        self._thread.start()

    @staticmethod
    def command(name: str) -> list[str]:
        import sys

        run = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
        return [sys.executable, str(run), "--quick", "--json", f"bench_{name}"]

    def _run_all(self, names: list[str]) -> None:
        import subprocess

        for name in names:
            with self._lock:
                if self._stopped:
                    return
                self._proc = subprocess.Popen(self.command(name), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                              text=True)
            try:
                out, err = self._proc.communicate(timeout=600)
                self._done[name] = (self._proc.returncode, out, err)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                out, err = self._proc.communicate()
                self._done[name] = (-9, out, err + "\n(timed out after 600 s)")
            self._events[name].set()

    def result(self, name: str) -> tuple[int, str, str]:
        """(return code, stdout, stderr) of the benchmark's smoke run."""
        import subprocess

        event = self._events.get(name)
        if event is None:  # not started in the background (a test run on its own): run it now
            out = subprocess.run(self.command(name), capture_output=True, text=True, timeout=600)
            return out.returncode, out.stdout, out.stderr
        event.wait(timeout=1800)
        return self._done.get(name, (-1, "", "the background run did not finish"))

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()


_BENCHMARK_RUNS = BenchmarkRuns()


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(session, config, items):
    bench = [item for item in items if item.nodeid.startswith(BENCHMARK_TEST)]
    if not bench or config.getoption("collectonly"):
        return
    items[:] = [item for item in items if not item.nodeid.startswith(BENCHMARK_TEST)] + bench
    _BENCHMARK_RUNS.start([item.callspec.params["name"] for item in bench])


def pytest_sessionfinish(session, exitstatus):
    _BENCHMARK_RUNS.stop()


@pytest.fixture
def benchmark_runs() -> BenchmarkRuns:
    return _BENCHMARK_RUNS
