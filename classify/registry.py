"""A deployment's model files: which version of each task's model is current, and every older one.

``cfg.model_dir`` holds versioned files (``topic-20250301T101500Z-1a2b3c4d.joblib``
and its ``.json`` sidecar) and ``registry.json``, which names the current file
of each task and keeps the history of switches with the scores that justified
them. Nothing is deleted: an office can always go back (``yuqing classify use``).
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from yuqing.errors import YuqingError

REGISTRY = "registry.json"
#: how long a process waits for another to finish training the models of a folder (training them from the
#: shipped corpus takes a minute or two)
LOCK_WAIT_SECONDS = 1800
#: the lock file in a model folder held while its models are checked and trained on first use
TRAINING_LOCK = ".training.lock"
_lock = threading.Lock()
log = logging.getLogger(__name__)


@contextmanager
def folder_lock(folder: str | Path, name: str) -> Iterator[None]:
    """Hold ``folder/name`` as a lock across threads and processes: the scheduler and a command started
    together on first use would otherwise both train a model and write the same files (one's model file
    with the other's metadata, refused from then on). In a folder that cannot be written no model is
    saved anyway, and nothing is locked."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(folder / name)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            log.warning("another process holds %s in %s (training models?): waiting for it", name, folder)
            try:
                lock.acquire(timeout=LOCK_WAIT_SECONDS)
            except Timeout:
                raise YuqingError(f"{folder}: another process has held {name} for {LOCK_WAIT_SECONDS} s; "
                                  f"stop it or try again later") from None
    except OSError as e:  # a read-only folder or file system (a Timeout, an OSError too, is dealt with above)
        log.warning("cannot lock %s in %s (%s): going on without", name, folder, e)
        yield
        return
    try:
        yield
    finally:
        lock.release()


class ModelRegistry:
    def __init__(self, model_dir: str | Path):
        self.dir = Path(model_dir)

    @property
    def path(self) -> Path:
        return self.dir / REGISTRY

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"tasks": {}}
        except (ValueError, UnicodeDecodeError):
            raise YuqingError(f"{self.path}: the model registry is not valid JSON; fix or remove it") from None
        data.setdefault("tasks", {})
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{REGISTRY}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.path)

    def current(self, task: str) -> Path | None:
        entry = self.read()["tasks"].get(task)
        if not entry or not entry.get("current"):
            return None
        path = self.dir / entry["current"]
        return path if path.exists() else None

    def stamp(self) -> float:
        """Changes whenever the registry is rewritten (for caches)."""
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0.0

    def new_path(self, version: str) -> Path:
        return self.dir / f"{version}.joblib"

    def set_current(self, task: str, path: Path, **note: Any) -> None:
        with _lock, folder_lock(self.dir, f".{REGISTRY}.lock"):
            data = self.read()
            entry = data["tasks"].setdefault(task, {"current": None, "history": []})
            entry["current"] = Path(path).name
            entry["history"].append({"file": Path(path).name, "at": datetime.now(UTC).isoformat(
                timespec="seconds"), **note})
            self._write(data)

    def record(self, task: str, **note: Any) -> None:
        """Log an event (such as a retraining that did not switch) without changing the current model."""
        with _lock, folder_lock(self.dir, f".{REGISTRY}.lock"):
            data = self.read()
            entry = data["tasks"].setdefault(task, {"current": None, "history": []})
            entry["history"].append({"at": datetime.now(UTC).isoformat(timespec="seconds"), **note})
            self._write(data)

    def versions(self, task: str) -> list[Path]:
        return sorted(self.dir.glob(f"{task}-*.joblib"))

    def history(self, task: str) -> list[dict[str, Any]]:
        return list(self.read()["tasks"].get(task, {}).get("history", []))
