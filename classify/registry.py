"""A deployment's model files: which version of each task's model is current, and every older one.

``cfg.model_dir`` holds versioned files (``topic-20250301T101500Z-1a2b3c4d.joblib``
and its ``.json`` sidecar) and ``registry.json``, which names the current file
of each task and keeps the history of switches with the scores that justified
them. Nothing is deleted: an office can always go back (``yuqing classify use``).
"""
from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from yuqing.errors import YuqingError

REGISTRY = "registry.json"
_lock = threading.Lock()


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
        with _lock:
            data = self.read()
            entry = data["tasks"].setdefault(task, {"current": None, "history": []})
            entry["current"] = Path(path).name
            entry["history"].append({"file": Path(path).name, "at": datetime.now(UTC).isoformat(
                timespec="seconds"), **note})
            self._write(data)

    def record(self, task: str, **note: Any) -> None:
        """Log an event (such as a retraining that did not switch) without changing the current model."""
        with _lock:
            data = self.read()
            entry = data["tasks"].setdefault(task, {"current": None, "history": []})
            entry["history"].append({"at": datetime.now(UTC).isoformat(timespec="seconds"), **note})
            self._write(data)

    def versions(self, task: str) -> list[Path]:
        return sorted(self.dir.glob(f"{task}-*.joblib"))

    def history(self, task: str) -> list[dict[str, Any]]:
        return list(self.read()["tasks"].get(task, {}).get("history", []))
