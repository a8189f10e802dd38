"""Every analyst notebook runs, top to bottom, against a database like an office's, and against an empty one.

The notebooks read ``$YUQING_CONFIG``; the fixture writes a configuration whose
database holds three weeks of posts, events and alerts (written through the
post store and the models, as the pipeline writes them). Notebooks are kept in
the repository without outputs.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pytest
import yaml

from conftest import LOCALITY, ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TZ = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.slow  # a Jupyter kernel per notebook: a few seconds each


def _config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "yuqing.yaml"
    data = {"locality": dict(LOCALITY), "storage": {"data_dir": "data"},
            "sources": [{"name": "county-news", "kind": "news", "start_urls": ["http://127.0.0.1:9/"]}]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    from yuqing.reports.sample import populate
    from yuqing.config import load
    from yuqing.deployment import Deployment
    from yuqing.models import Base

    path = _config(tmp_path_factory.mktemp("office"))
    dep = Deployment.open(load(path))
    Base.metadata.create_all(dep.engine)
    now = datetime.now(TZ).replace(minute=0, second=0, microsecond=0)
    populate(dep, now - timedelta(days=21), days=21, posts_per_day=150, seed=3, now=now)
    dep.close()
    return path


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    from yuqing.config import load
    from yuqing.deployment import Deployment
    from yuqing.models import Base

    path = _config(tmp_path_factory.mktemp("empty"))
    dep = Deployment.open(load(path))
    Base.metadata.create_all(dep.engine)
    dep.close()
    return path


def run(notebook: Path, config: Path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("YUQING_CONFIG", str(config))
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}).execute()
    return nb


def outputs(nb, output_type: str) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == output_type]


def test_there_are_the_three_notebooks_saved_without_outputs():
    names = [p.name for p in NOTEBOOKS]
    assert names == ["01-week-volume-and-levels.ipynb", "02-event-spread.ipynb", "03-response-times.ipynb"]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} is saved with outputs"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_an_office_database(notebook, office, monkeypatch):
    nb = run(notebook, office, monkeypatch)
    assert not outputs(nb, "error")
    images = [o for o in outputs(nb, "display_data") if "image/png" in o.get("data", {})]
    assert images, "the notebook draws charts"
    text = "".join(o.get("text", "") for o in outputs(nb, "stream"))
    assert "云溪县" in text and ("Noto Sans CJK" in text or "WenQuanYi" in text)
    stderr = [o for o in outputs(nb, "stream") if o.get("name") == "stderr"]
    assert not any("Glyph" in o.text and "missing" in o.text for o in stderr), "a chart drew a box for a character"
    if notebook.stem.startswith("01"):
        assert "相关信息" in text and " 0 条" not in text.split("相关信息")[1][:10]
    if notebook.stem.startswith("02"):
        assert "事件 #" in text
    if notebook.stem.startswith("03"):
        assert "预警 " in text and "时限内" in text


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_an_empty_database(notebook, empty, monkeypatch):
    nb = run(notebook, empty, monkeypatch)
    assert not outputs(nb, "error")
