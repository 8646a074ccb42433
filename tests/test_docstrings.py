"""The Examples sections of the public docstrings run and hold; core's public names have docs."""

import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import napari_symseg

PACKAGE_DIR = Path(napari_symseg.__file__).parent
#: the Qt-free layers, whose examples run without a display
LAYERS = ("core", "io")


def _modules(layer: str) -> list[str]:
    package = importlib.import_module(f"napari_symseg.{layer}")
    return sorted(m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}."))


def _with_examples() -> list[str]:
    found = []
    for layer in LAYERS:
        for name in _modules(layer):
            path = PACKAGE_DIR.joinpath(*name.split(".")[1:]).with_suffix(".py")
            if path.exists() and ">>>" in path.read_text():
                found.append(name)
    return found


def test_the_documented_modules_are_found():
    found = _with_examples()
    for name in ("pipeline", "model", "series", "suggest", "separability", "pattern_count"):
        assert f"napari_symseg.core.{name}" in found


@pytest.mark.parametrize("name", _with_examples())
def test_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_every_public_function_and_class_of_core_has_a_docstring():
    missing = []
    for name in _modules("core"):
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            mine = getattr(obj, "__module__", None) == name
            if mine and not attr.startswith("_") and (inspect.isfunction(obj) or
                                                      inspect.isclass(obj)):
                if not inspect.getdoc(obj):
                    missing.append(f"{name}.{attr}")
    assert not missing, f"no docstring: {missing}"
