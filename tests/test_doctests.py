"""Every Examples section in the package runs and prints what it says (NumPy 2 reprs)."""

import doctest
import importlib
import pkgutil

import pytest

import pgm_ebm


def _modules():
    names = ["pgm_ebm"]
    for info in pkgutil.walk_packages(pgm_ebm.__path__, "pgm_ebm."):
        names.append(info.name)
    return sorted(names)


def _examples():
    finder = doctest.DocTestFinder(exclude_empty=True)
    out = []
    for name in _modules():
        module = importlib.import_module(name)
        for test in finder.find(module, name):
            # a name re-exported elsewhere is tested where it is defined
            if (
                test.examples
                and test.name.startswith(name)
                and test.filename
                and (test.filename == getattr(module, "__file__", None))
            ):
                out.append(test)
    return sorted(out, key=lambda t: t.name)


EXAMPLES = _examples()


def test_the_package_has_examples_to_run():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("test", EXAMPLES, ids=[t.name for t in EXAMPLES])
def test_docstring_example_runs(test):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    test.globs = dict(test.globs)
    report: list[str] = []
    result = runner.run(test, out=report.append)
    assert result.failed == 0, "".join(report)
