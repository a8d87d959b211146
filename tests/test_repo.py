"""Repository hygiene that CI must keep true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command_then_its_docs_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", readme, re.S)
    assert ci[-2] in blocks[0].splitlines()  # the test command, in the first block
    docs = [b for b in blocks if "make -C docs html" in b]
    assert docs and ci[-1] in docs[0].splitlines()  # the site, as the README builds it


def test_kernels_never_call_np_random():
    for p in list((ROOT / "pgm_ebm" / "kernels").rglob("*.py")) + list(
        (ROOT / "pgm_ebm" / "cuda").rglob("*.py")
    ):
        code = "\n".join(l for l in p.read_text().splitlines() if not l.lstrip().startswith("#"))
        assert "np.random" not in code, p


def test_package_init_does_not_import_cuda():
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pgm_ebm; print(any(m.startswith('numba.cuda') for m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == "False"


def _import_graph():
    """Module -> the pgm_ebm modules it imports (function-level imports included; imports of
    the top-level package ``pgm_ebm`` itself are not edges)."""
    import ast

    pkg_dir = ROOT / "pgm_ebm"
    modules = {}
    for f in pkg_dir.rglob("*.py"):
        parts = f.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f

    def resolve(name):
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name if name and name != "pgm_ebm" else None

    graph = {}
    for mod, f in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for n in names:
                if n.split(".")[0] == "pgm_ebm" and (t := resolve(n)) and t != mod:
                    targets.add(t)
        graph[mod] = targets
    return graph


def test_no_import_cycles_between_modules():
    """Layers import downwards: no module can reach itself through imports (Tarjan's
    strongly connected components of the import graph)."""
    graph = _import_graph()
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert len(graph) > 30
    assert not cycles, cycles


#: Private names of other libraries read on purpose (Numba has no public cache-locator API;
#: pgm_ebm/_numba_cache.py says why and falls back when they change).
FOREIGN_PRIVATE = {("_numba_cache.py", "_locator_classes"), ("_numba_cache.py", "_CacheImpl"),
                   ("_numba_cache.py", "_UserWideCacheLocator")}  # fmt: skip


def test_no_private_attribute_is_read_across_modules():
    """``obj._name`` is used only where ``_name`` is defined: a method, a class, a module
    name, or a ``self._name`` assignment of the same module (so one module never reaches
    into another's privates; kernels are imported by name, which is not flagged)."""
    import ast

    bad = []
    for f in sorted((ROOT / "pgm_ebm").rglob("*.py")):
        tree = ast.parse(f.read_text())
        defined = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
            ):
                defined.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                defined.add(node.value)  # self.__dict__.get("_cache")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            name = node.attr
            if not name.startswith("_") or name.startswith("__"):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            if name in defined or (f.name, name) in FOREIGN_PRIVATE:
                continue
            bad.append(f"{f.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert not bad, "\n".join(bad)
