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


STAGES = ("crawlers", "classify", "grading", "alerts", "reports", "yuqing")


def _imported_modules() -> set[str]:
    """Top-level modules the installed code imports (at module level or inside functions)."""
    import ast

    names: set[str] = set()
    for folder in STAGES:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts and path.name != "env.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def _declared() -> set[str]:
    import re

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    out = set()
    for line in cfg["options"]["install_requires"].splitlines():
        line = line.split("#")[0].strip()
        if line:
            out.add(re.split(r"[<>=\[;! ]", line)[0].lower().replace("_", "-"))
    return out


def test_the_declared_dependencies_are_exactly_those_imported():
    import sys
    from importlib.metadata import packages_distributions

    dists = packages_distributions()
    third_party = {m for m in _imported_modules() if m not in sys.stdlib_module_names and m != "yuqing"}
    needed = set()
    for module in third_party:
        found = dists.get(module)
        assert found, f"imported module {module!r} comes from no installed distribution"
        needed.add(found[0].lower().replace("_", "-"))
    declared = _declared()
    # distributions installed for what they provide at run time, not imported by name
    runtime_only = {"tzdata", "psycopg", "rjieba"}
    assert needed - declared == set(), f"imported but not declared in setup.cfg: {sorted(needed - declared)}"
    assert declared - needed - runtime_only == set(), f"declared but never imported: {sorted(declared - needed - runtime_only)}"
