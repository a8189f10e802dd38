"""Packaging: every package directory is listed in setup.cfg, so a non-editable install is complete."""
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    mapping = dict(line.split(" = ") for line in cfg["options"]["package_dir"].strip().splitlines())
    found = set()
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            name = ".".join([package, *rel.parts]) if rel.parts else package
            # sub-folders mapped separately belong to their own mapping
            if not any(name.startswith(other + ".") or name == other for other in mapping if other != package and other.startswith(package + ".")):
                found.add(name)
    assert found - listed == set(), f"add these to setup.cfg [options] packages: {sorted(found - listed)}"
