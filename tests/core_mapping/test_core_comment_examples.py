"""The shared core documents itself in comments (free in a .mpy, unlike
docstrings); the examples in them are doctests all the same. This runs
every `#   >>>` example of the modules listed, so a wrong one fails."""

import doctest
import importlib

import pytest

MODULES = ["clock", "motion", "output", "runtime"]


def comment_examples(module):
    """The comment lines of `module`'s source, uncommented, as one text."""
    lines = []
    with open(module.__file__) as f:
        for line in f:
            stripped = line.strip()
            if stripped.startswith("#"):
                lines.append(stripped[1:])
            else:
                lines.append("")
    return "\n".join(lines)


@pytest.mark.parametrize("name", MODULES)
def test_comment_examples_run(name):
    module = importlib.import_module("artcast_core." + name)
    test = doctest.DocTestParser().get_doctest(comment_examples(module), dict(vars(module)), name,
                                               module.__file__, 0)
    assert test.examples, "no examples found in %s" % name
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module("artcast_core." + name)
    assert doctest.testmod(module).failed == 0
