"""Every public name of the API reference has a numpydoc docstring, checked by numpydoc's
own validation: a summary, every parameter described, Returns where the function returns,
Raises where it raises and an Examples section (which test_doctests.py runs).

The public names are those of docs/api.rst and the public methods and properties of its
classes.  Names not yet converted are listed in ``numpydoc_todo.txt`` beside this file; the
list may only shrink: a listed name that now passes fails the test until it is removed."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import re
import textwrap

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate", reason="needs numpydoc (.[docs])")

ROOT = pathlib.Path(__file__).resolve().parents[1]
TODO_FILE = pathlib.Path(__file__).with_name("numpydoc_todo.txt")
#: numpydoc's checks that the site requires (the others are matters of style):
#: no docstring, no summary, a parameter undocumented / unknown / without description,
#: no Returns / Yields or one without description, no Examples.
CHECKS = {"GL08", "SS01", "PR01", "PR02", "PR07", "RT01", "RT03", "YD01", "EX01"}
#: a property needs a docstring with a summary; its examples live with its class
PROPERTY_CHECKS = {"GL08", "SS01"}


def _resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(dotted)


def public_names() -> list[str]:
    listed = re.findall(r"^   (\S+)$", (ROOT / "docs" / "api.rst").read_text(), re.M)
    names = []
    for short in listed:
        full = f"pgm_ebm.{short}"
        names.append(full)
        obj = _resolve(full)
        if inspect.isclass(obj):
            fields = getattr(obj, "__dataclass_fields__", {})  # a default is not a method
            for attr, value in vars(obj).items():
                if attr.startswith("_") or attr in fields:
                    continue
                if inspect.isfunction(value) or isinstance(
                    value, (property, classmethod, staticmethod)
                ):
                    names.append(f"{full}.{attr}")
    return names


def _raises(obj) -> bool:
    """Whether the function's own body (not a nested function) raises an exception."""
    func = obj.fget if isinstance(obj, property) else obj
    func = getattr(func, "__func__", func)
    if not inspect.isfunction(func):
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return False

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Raise) and child.exc is not None:
                return True
            if walk(child):
                return True
        return False

    return walk(tree.body[0])


def problems(name: str) -> list[str]:
    """What the docstring of ``name`` lacks, as numpydoc's codes and messages."""
    report = numpydoc_validate.validate(name)
    checks = PROPERTY_CHECKS if report["type"] == "property" else CHECKS
    out = [f"{code}: {msg}" for code, msg in report["errors"] if code in checks]
    if report["type"] != "property" and report["docstring"]:
        owner, _, attr = name.rpartition(".")
        raw = inspect.getattr_static(_resolve(owner), attr)
        if _raises(raw) and not re.search(r"^\s*Raises\n\s*-{6}", report["docstring"], re.M):
            out.append("Raises: the function raises but has no Raises section")
    return out


NAMES = public_names()
TODO = {line.strip() for line in TODO_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")}  # fmt: skip


def test_the_todo_list_names_public_names():
    assert TODO <= set(NAMES), sorted(TODO - set(NAMES))


@pytest.mark.parametrize("name", NAMES)
def test_public_name_has_a_numpydoc_docstring(name):
    found = problems(name)
    if name in TODO:
        assert found, f"{name} passes now: remove it from {TODO_FILE.name}"
    else:
        assert not found, f"{name}:\n" + "\n".join(found)
