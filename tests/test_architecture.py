"""The one-way rule as a contract: crawlers → classify → grading → alerts → reports, core below them all.

Every ``import`` in the installed code (at module level or inside a function) is
checked: a module may import the core and the stages before its own, never a later
stage; only the command and app layer (the CLI and each stage's command module,
the web app, the scheduler, the pipeline, the demo, the analysts' helpers) may
import every stage. ARCHITECTURE.md says the same in words.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ["crawlers", "classify", "grading", "alerts", "reports"]  # in the order data flows
#: the command and app layer: may import every stage
TOP = {"yuqing.cli", "yuqing.__main__", "yuqing.web", "yuqing.scheduler", "yuqing.pipeline", "yuqing.demo",
       "yuqing.analysis"}
COMMAND_MODULES = {"cli", "scheduler_cli"}  # a stage's (or the store's, the scheduler's) click commands belong to the CLI layer
#: imports allowed against the rule, each with its reason
EXCEPTIONS = {
    ("yuqing.store.elastic", "yuqing.classify.tokenizer"):
        "the Elasticsearch store segments text with the classifier's tokenizer when it is installed, "
        "else with plain jieba (optional, inside a function)",
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    if parts[0] != "yuqing":
        parts.insert(0, "yuqing")
    return ".".join(parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if any(module == t or module.startswith(t + ".") for t in TOP) or parts[-1] in COMMAND_MODULES:
        return "top"
    if len(parts) >= 2 and parts[1] in STAGES:
        return parts[1]
    return "core"


def allowed(src: str, dst: str) -> bool:
    a, b = layer(src), layer(dst)
    if a == "top" or b == "core":
        return True
    if b == "top":
        return False
    if a == "core":
        return False
    return STAGES.index(b) <= STAGES.index(a)


def imports() -> list[tuple[str, str, int]]:
    out = []
    for folder in [*STAGES, "yuqing"]:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            src = _module_name(path)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                out += [(src, n, node.lineno) for n in names if n.startswith("yuqing.")]
    return out


def test_every_import_follows_the_one_way_rule():
    broken = [f"{src}:{line} imports {dst} ({layer(src)} → {layer(dst)})" for src, dst, line in imports()
              if not allowed(src, dst) and (src, dst) not in EXCEPTIONS]
    assert broken == [], "imports against the one-way rule:\n" + "\n".join(broken)


def test_the_contract_would_catch_a_backward_import():
    assert not allowed("yuqing.classify.api", "yuqing.grading.api")
    assert not allowed("yuqing.store.sql", "yuqing.alerts.clock")
    assert not allowed("yuqing.alerts.workflow", "yuqing.reports.digest") and allowed("yuqing.reports.digest", "yuqing.alerts.clock")
    assert not allowed("yuqing.alerts.notify", "yuqing.scheduler")
    assert allowed("yuqing.alerts.workflow", "yuqing.classify.api") and allowed("yuqing.grading.cli", "yuqing.cli")
    assert all((s, d) in {(x, y) for x, y, _ in imports()} for s, d in EXCEPTIONS)  # no stale exception


def _loaded_with(tree: ast.AST):
    """The import statements that run when a module is loaded: not those inside a function."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _loaded_with(node)


def module_graph() -> dict[str, set[str]]:
    """Each installed module and the installed modules it imports as it loads."""
    paths = {_module_name(p): p for folder in [*STAGES, "yuqing"] for p in (ROOT / folder).rglob("*.py")
             if "migrations" not in p.parts}
    graph = {}
    for src, path in paths.items():
        deps = set()
        for node in _loaded_with(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
            elif node.level == 0 and node.module:
                deps |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        graph[src] = {d for d in deps if d in paths and d != src}
    return graph


def test_no_two_modules_import_each_other_as_they_load():
    """No import cycle: where two concepts need each other (the steps and 通稿's 三审三校), one module sits below
    the other rather than hiding the cycle in an import inside a function."""
    graph, state, cycles = module_graph(), {}, []

    def visit(m: str, path: list[str]) -> None:
        state[m] = "open"
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                cycles.append(" → ".join(path[path.index(d):] + [m, d]) if d in path else f"{m} → {d}")
            elif d not in state:
                visit(d, path + [m])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert cycles == [], "modules that import each other as they load:\n" + "\n".join(cycles)
