"""Does an environment suit a model? ``env.mismatch`` findings from two fingerprints.

A registered model (``pipewarden.workflows.models.register_model``) keeps the
fingerprint of the environment it was trained in, and the packages it depends on.
:func:`check_model_environment` compares an environment with that one and reports
each difference that matters; :func:`packages_referenced` finds which packages a
pickled model depends on, without loading it.
"""

from __future__ import annotations

import importlib.metadata
import pickletools
import sys
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from pipewarden.checks import codes
from pipewarden.checks.findings import Finding, Severity
from pipewarden.env.diff import diff
from pipewarden.env.fingerprint import Fingerprint

if TYPE_CHECKING:
    from pipewarden.store.records import ModelRecord

__all__ = ["check_model_environment", "packages_referenced"]

_STRING_OPS = frozenset(
    {
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "UNICODE",
        "BINUNICODE8",
        "SHORT_BINSTRING",
        "BINSTRING",
        "STRING",
    }
)
_GET_OPS = frozenset({"GET", "BINGET", "LONG_BINGET"})
_PUT_OPS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})


def check_model_environment(
    model: ModelRecord, environment: Fingerprint
) -> tuple[Finding, ...]:
    """Compare an environment with the one a model was trained in.

    Args:
        model: The registered model, with its training environment.
        environment: The environment to judge (e.g. ``pipewarden.env.capture()``).

    Returns:
        One ``env.mismatch`` finding per difference of severity warning or error
        (differences in packages the model does not use are left out).
    """
    changes = diff(
        model.environment, environment, important=_installed(model, environment)
    )
    label = f"{model.name}:{model.version}"
    return tuple(
        Finding(
            check=codes.ENV_MISMATCH,
            column=None,
            severity=change.severity,
            message=f"Model {label}: {change.message}",
            value=change.after,
            threshold=change.before,
            segment={"kind": change.kind, "name": change.name},
        )
        for change in changes.changes
        if change.severity >= Severity.WARNING
    )


def packages_referenced(pickled: bytes) -> tuple[str, ...]:
    """Distributions whose modules a pickle references (standard library left out).

    The pickle is read opcode by opcode and never loaded, so nothing in it runs.
    Unreadable bytes (not a pickle) give an empty tuple.
    """
    modules = {module.split(".")[0] for module in _pickle_modules(pickled)}
    modules -= set(sys.stdlib_module_names) | {"__main__", "builtins", "copy_reg"}
    owners = importlib.metadata.packages_distributions()
    found = {
        canonicalize_name(dist) for module in modules for dist in owners.get(module, ())
    }
    return tuple(sorted(found))


def _pickle_modules(pickled: bytes) -> set[str]:
    modules: set[str] = set()
    memo: dict[int, Any] = {}
    strings: list[str] = []
    top: Any = None
    try:
        for opcode, arg, _pos in pickletools.genops(pickled):
            name = opcode.name
            if name in _STRING_OPS:
                top = arg.decode("latin-1") if isinstance(arg, bytes) else arg
                strings.append(top)
                continue
            if name == "MEMOIZE":
                memo[len(memo)] = top
            elif name in _PUT_OPS:
                memo[int(str(arg))] = top
            elif name in _GET_OPS:
                top = memo.get(int(str(arg)))
                if isinstance(top, str):
                    strings.append(top)
                continue
            elif name in ("GLOBAL", "INST"):
                modules.add(str(arg).split(" ")[0])
            elif name == "STACK_GLOBAL" and len(strings) >= 2:
                modules.add(strings[-2])
            top = None
    except (ValueError, EOFError, KeyError, IndexError):
        pass  # joblib appends raw arrays; not a pickle at all: what was read counts
    return modules


def _installed(model: ModelRecord, here: Fingerprint) -> list[str]:
    """Important packages known to either environment (so diff does not warn)."""
    there = dict(model.environment.packages)
    now = dict(here.packages)
    return [name for name in model.important_packages if name in there or name in now]
