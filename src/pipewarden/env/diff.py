"""Compare two fingerprints and say which differences may change a model's predictions.

``a`` is where the model was trained, ``b`` is here (where it runs now). Each
difference becomes an ``EnvChange`` with a severity and a sentence saying what to do.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipewarden._severity import Severity
from pipewarden.env.fingerprint import Fingerprint
from pipewarden.errors import EnvError, PipewardenWarning

__all__ = ["ChangeKind", "ChangeType", "EnvChange", "EnvDiffResult", "Severity", "diff"]

ChangeKind = Literal["package", "python", "platform"]
ChangeType = Literal["added", "removed", "major", "minor", "patch", "other"]

_HERE = "here"
_THERE = "where the model was trained"


@dataclass(frozen=True, slots=True)
class EnvChange:
    """One difference between two environments.

    Attributes:
        kind: What differs: a ``"package"``, the ``"python"`` interpreter, or a
            ``"platform"`` fact (OS, CPU architecture).
        name: The package (PEP 503 name), ``"python"``, ``"implementation"``,
            ``"os"`` or ``"architecture"``.
        before: Value where the model was trained; None when the package was absent.
        after: Value here; None when the package is absent.
        change: ``"added"``, ``"removed"``, the version part that moved
            (``"major"``, ``"minor"``, ``"patch"``), or ``"other"`` (pre-release,
            post-release, local build, unparsable version, or a non-version fact).
        severity: ``Severity.ERROR``, ``WARNING`` or ``INFO`` (equal to their strings).
        message: One sentence on what differs and what to do.
    """

    kind: ChangeKind
    name: str
    before: str | None
    after: str | None
    change: ChangeType
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "kind": self.kind,
            "name": self.name,
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "severity": self.severity.value,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnvChange:
        """Build an EnvChange from the output of :meth:`to_dict`.

        Raises:
            PipewardenError: A key is missing.
        """
        keys = ("kind", "name", "before", "after", "change", "severity", "message")
        missing = [key for key in keys if key not in data]
        if missing:
            raise EnvError(
                f"The environment change has no {', '.join(map(repr, missing))}. "
                "Make it again with pipewarden.env.diff()."
            )
        worst_first = tuple(s.value for s in sorted(Severity, reverse=True))
        for key, allowed in (
            ("kind", get_args(ChangeKind)),
            ("change", get_args(ChangeType)),
            ("severity", worst_first),
        ):
            if data[key] not in allowed:
                raise EnvError(
                    f"The environment change has {key} {data[key]!r}; expected one "
                    f"of {', '.join(allowed)}."
                )
        fields = {key: data[key] for key in keys if key != "severity"}
        return cls(**fields, severity=Severity(data["severity"]))


@dataclass(frozen=True, slots=True)
class EnvDiffResult:
    """Every difference between two fingerprints.

    Attributes:
        changes: Python first, then platform, then packages by name.
    """

    changes: tuple[EnvChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when nothing that is compared differs."""
        return not self.changes

    @property
    def max_severity(self) -> Severity | None:
        """The worst severity among the changes, or None when there are none."""
        if not self.changes:
            return None
        return max(c.severity for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "max_severity": None
            if self.max_severity is None
            else self.max_severity.value,
            "changes": [c.to_dict() for c in self.changes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnvDiffResult:
        """Build an EnvDiffResult from the output of :meth:`to_dict`."""
        return cls(tuple(EnvChange.from_dict(c) for c in data.get("changes", ())))


def diff(
    a: Fingerprint, b: Fingerprint, *, important: Iterable[str] = ()
) -> EnvDiffResult:
    """List what differs between the environment a model was trained in and this one.

    Severities: a Python major/minor change is an error, any other Python change a
    warning; a package's major/minor change is an error if it is important, else a
    warning; a patch or build change is a warning if important, else info; an added
    or removed package is an error if important, else info; an OS or CPU
    architecture change is a warning.

    Args:
        a: Fingerprint taken where the model was trained.
        b: Fingerprint taken here.
        important: Distribution names the model depends on, in any spelling
            (``scikit_learn`` matches ``scikit-learn``).

    Returns:
        The changes, Python first, then platform, then packages by name.

    Warns:
        PipewardenWarning: An important name is installed in neither environment
            (often an import name such as ``sklearn`` instead of a distribution name).

    Example:
        >>> result = diff(Fingerprint.load("model/fingerprint.json"), capture(),
        ...               important=["scikit-learn", "numpy"])
        >>> result.max_severity
        <Severity.ERROR: 'error'>
    """
    wanted: set[str] = {canonicalize_name(name) for name in important}
    before, after = dict(a.packages), dict(b.packages)
    unknown = sorted(wanted - before.keys() - after.keys())
    if unknown:
        noun, verb = ("package", "is") if len(unknown) == 1 else ("packages", "are")
        warnings.warn(
            f"Important {noun} {', '.join(unknown)} {verb} installed in neither "
            "environment, so not checked. Use distribution names as pip lists them "
            "(scikit-learn, not sklearn).",
            PipewardenWarning,
            stacklevel=2,
        )
    changes = [
        *_python_changes(a, b),
        *_platform_changes(a, b),
        *_package_changes(before, after, wanted),
    ]
    return EnvDiffResult(tuple(changes))


def _python_changes(a: Fingerprint, b: Fingerprint) -> list[EnvChange]:
    changes: list[EnvChange] = []
    if _known(a.python_implementation, b.python_implementation) and (
        a.python_implementation != b.python_implementation
    ):
        changes.append(
            EnvChange(
                kind="python",
                name="implementation",
                before=a.python_implementation,
                after=b.python_implementation,
                change="other",
                severity=Severity.ERROR,
                message=(
                    f"Python is {b.python_implementation} {_HERE} but "
                    f"{a.python_implementation} {_THERE}. Run the model on "
                    f"{a.python_implementation}, or retrain."
                ),
            )
        )
    old, new = a.python_version, b.python_version
    change = _version_change(old, new)
    if change is not None:
        changes.append(
            EnvChange(
                kind="python",
                name="python",
                before=old,
                after=new,
                change=change,
                severity=Severity.ERROR
                if change in ("major", "minor")
                else Severity.WARNING,
                message=(
                    f"Python is {new} {_HERE} but {old} {_THERE} "
                    f"({_describe(change, old, new)}). "
                    f"Run the model on Python {old}, or retrain."
                ),
            )
        )
    return changes


def _platform_changes(a: Fingerprint, b: Fingerprint) -> list[EnvChange]:
    facts = (
        ("os", "operating system", a.os, b.os),
        ("architecture", "CPU architecture", a.machine, b.machine),
    )
    return [
        EnvChange(
            kind="platform",
            name=name,
            before=there,
            after=here,
            change="other",
            severity=Severity.WARNING,
            message=(
                f"The {label} is {here} {_HERE} but {there} {_THERE}. Check that the "
                f"model gives the same predictions on {here}, or run it on {there}."
            ),
        )
        for name, label, there, here in facts
        if _known(there, here) and there != here
    ]


def _known(*facts: str) -> bool:
    """Whether every side knows the fact: an environment read from an MLflow model
    leaves the OS, CPU and interpreter empty, and unknown is not a difference."""
    return all(facts)


def _package_changes(
    before: Mapping[str, str], after: Mapping[str, str], important: set[str]
) -> list[EnvChange]:
    changes: list[EnvChange] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        is_important = name in important
        if old is None:
            changes.append(_added(name, cast(str, new), is_important))
        elif new is None:
            changes.append(_removed(name, old, is_important))
        else:
            change = _version_change(old, new)
            if change is not None:
                changes.append(_changed(name, old, new, change, is_important))
    return changes


def _added(name: str, version: str, important: bool) -> EnvChange:
    return EnvChange(
        kind="package",
        name=name,
        before=None,
        after=version,
        change="added",
        severity=Severity.ERROR if important else Severity.INFO,
        message=(
            f"{name} {version} is installed {_HERE} but was not {_THERE}. "
            f"Uninstall {name} in production, or retrain with it installed."
        ),
    )


def _removed(name: str, version: str, important: bool) -> EnvChange:
    return EnvChange(
        kind="package",
        name=name,
        before=version,
        after=None,
        change="removed",
        severity=Severity.ERROR if important else Severity.INFO,
        message=(
            f"{name} {version} was installed {_THERE} but is missing {_HERE}. "
            f"Install {name}=={version} in production, or retrain without it."
        ),
    )


def _changed(
    name: str, old: str, new: str, change: ChangeType, important: bool
) -> EnvChange:
    if change in ("major", "minor"):
        severity = Severity.ERROR if important else Severity.WARNING
    elif _parse(old) is None or _parse(new) is None:
        # cannot tell how big it is
        severity = Severity.ERROR if important else Severity.WARNING
    else:
        severity = Severity.WARNING if important else Severity.INFO
    return EnvChange(
        kind="package",
        name=name,
        before=old,
        after=new,
        change=change,
        severity=severity,
        message=(
            f"{name} is {new} {_HERE} but {old} {_THERE} "
            f"({_describe(change, old, new)}). "
            f"Pin {name}=={old} in production, or retrain."
        ),
    )


def _version_change(old: str, new: str) -> ChangeType | None:
    """Which part of a version moved, or None when the versions are equal.

    Unparsable versions are compared as strings and any difference is ``"other"``.
    """
    v_old, v_new = _parse(old), _parse(new)
    if v_old is None or v_new is None:
        return None if old == new else "other"
    if v_old == v_new:
        return None
    if v_old.epoch != v_new.epoch or v_old.major != v_new.major:
        return "major"
    if v_old.minor != v_new.minor:
        return "minor"
    if _trimmed(v_old.release) != _trimmed(v_new.release):
        return "patch"  # the third part, or a fourth as in 1.2.3.4
    return "other"


def _trimmed(release: tuple[int, ...]) -> tuple[int, ...]:
    """Trailing zeros do not count: 1.2 == 1.2.0."""
    end = len(release)
    while end and release[end - 1] == 0:
        end -= 1
    return release[:end]


def _describe(change: ChangeType, *versions: str) -> str:
    if change != "other":
        return f"{change} change"
    if any(_parse(v) is None for v in versions):
        return "versions not comparable"
    return "pre-release or build change"


def _parse(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None
