"""__all__ is sorted, names only what exists, and matches what each module exposes."""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import version
from types import ModuleType

import pytest

import pipewarden

PACKAGES = [
    "pipewarden",
    "pipewarden.checks",
    "pipewarden.contracts",
    "pipewarden.engines",
    "pipewarden.env",
    "pipewarden.io",
    "pipewarden.profiles",
]
"""Packages whose __init__ is a curated list: every public name is in __all__."""
MODULES = [
    "pipewarden.cli",
    "pipewarden.errors",
    "pipewarden.io.sources",
    "pipewarden.references",
]
"""Modules with __all__: every public class and function defined there is in it."""
PUBLIC_MODULES = {"references"}
"""Modules that are public names of ``pipewarden`` (``pw.references.add``)."""


def _all(name: str) -> list[str]:
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    return list(module.__all__)


@pytest.mark.parametrize("name", PACKAGES + MODULES)
def test_all_is_sorted_unique_and_real(name: str) -> None:
    names = _all(name)
    assert names == sorted(names)
    assert len(names) == len(set(names))
    module = importlib.import_module(name)
    assert [n for n in names if not hasattr(module, n)] == []


@pytest.mark.parametrize("name", PACKAGES)
def test_package_exposes_exactly_all(name: str) -> None:
    module = importlib.import_module(name)
    public = {  # dir(): pipewarden imports its names on first use
        n
        for n in dir(module)
        if not n.startswith("_")
        and (not isinstance(getattr(module, n), ModuleType) or n in PUBLIC_MODULES)
        and n != "annotations"  # from __future__ import annotations
    }
    assert public == set(_all(name))


@pytest.mark.parametrize("name", MODULES)
def test_module_all_lists_its_public_definitions(name: str) -> None:
    module = importlib.import_module(name)
    defined = {
        n
        for n, value in vars(module).items()
        if not n.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == name
    }
    assert defined <= set(_all(name))


def test_top_level_api_has_the_documented_names() -> None:
    assert {
        "profile",
        "check",
        "infer_contract",
        "load_contract",
        "dump_contract",
        "CheckResult",
        "Finding",
        "Severity",
        "DatasetProfile",
        "Contract",
        "PipewardenError",
        "ValidationFailedError",
    } <= set(pipewarden.__all__)
    assert pipewarden.__version__ == version("pipewarden")
