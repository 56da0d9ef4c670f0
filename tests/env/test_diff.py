from __future__ import annotations

import json
from typing import Any

import pytest

from pipewarden.env import EnvChange, EnvDiffResult, Fingerprint, diff
from pipewarden.errors import PipewardenError, PipewardenWarning


def make_fingerprint(
    packages: dict[str, str] | None = None, **overrides: Any
) -> Fingerprint:
    fields: dict[str, Any] = {
        "python_version": "3.11.7",
        "python_implementation": "CPython",
        "python_build": ("main", "Jan  1 2024 00:00:00"),
        "python_compiler": "GCC 12.2.0",
        "executable": "/opt/venv/bin/python",
        "os": "Linux",
        "os_release": "6.1.0",
        "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
        "machine": "x86_64",
        "cpu_count": 8,
        "hostname": "trainer-1",
        "captured_at": "2024-01-01T00:00:00+00:00",
        "packages": tuple(sorted((packages or {"numpy": "1.26.4"}).items())),
        "env": (),
    }
    fields.update(overrides)
    return Fingerprint(**fields)


def only_change(trained: Fingerprint, here: Fingerprint, **kwargs: Any) -> EnvChange:
    result = diff(trained, here, **kwargs)
    assert len(result.changes) == 1, result.changes
    return result.changes[0]


# (name, trained, here, important, change, severity, message)
PACKAGE_CASES = [
    (
        "scikit-learn",
        "1.4.0",
        "1.5.2",
        True,
        "minor",
        "error",
        "scikit-learn is 1.5.2 here but 1.4.0 where the model was trained "
        "(minor change). Pin scikit-learn==1.4.0 in production, or retrain.",
    ),
    (
        "scikit-learn",
        "1.4.0",
        "1.5.2",
        False,
        "minor",
        "warning",
        "scikit-learn is 1.5.2 here but 1.4.0 where the model was trained "
        "(minor change). Pin scikit-learn==1.4.0 in production, or retrain.",
    ),
    (
        "numpy",
        "1.26.4",
        "2.0.0",
        True,
        "major",
        "error",
        "numpy is 2.0.0 here but 1.26.4 where the model was trained "
        "(major change). Pin numpy==1.26.4 in production, or retrain.",
    ),
    (
        "numpy",
        "1.26.4",
        "2.0.0",
        False,
        "major",
        "warning",
        "numpy is 2.0.0 here but 1.26.4 where the model was trained "
        "(major change). Pin numpy==1.26.4 in production, or retrain.",
    ),
    (
        "numpy",
        "1.26.4",
        "1.26.3",
        True,
        "patch",
        "warning",
        "numpy is 1.26.3 here but 1.26.4 where the model was trained "
        "(patch change). Pin numpy==1.26.4 in production, or retrain.",
    ),
    (
        "numpy",
        "1.26.4",
        "1.26.3",
        False,
        "patch",
        "info",
        "numpy is 1.26.3 here but 1.26.4 where the model was trained "
        "(patch change). Pin numpy==1.26.4 in production, or retrain.",
    ),
    (
        "tzdata",
        "2024.1.1",
        "2024.1.2",
        False,
        "patch",
        "info",
        "tzdata is 2024.1.2 here but 2024.1.1 where the model was trained "
        "(patch change). Pin tzdata==2024.1.1 in production, or retrain.",
    ),
    (
        "torch",
        "2.1.0+cpu",
        "2.1.0+cu121",
        True,
        "other",
        "warning",
        "torch is 2.1.0+cu121 here but 2.1.0+cpu where the model was trained "
        "(pre-release or build change). Pin torch==2.1.0+cpu in production, "
        "or retrain.",
    ),
    (
        "torch",
        "2.1.0rc1",
        "2.1.0",
        False,
        "other",
        "info",
        "torch is 2.1.0 here but 2.1.0rc1 where the model was trained "
        "(pre-release or build change). Pin torch==2.1.0rc1 in production, "
        "or retrain.",
    ),
    (
        "homegrown",
        "build-7",
        "build-8",
        True,
        "other",
        "error",
        "homegrown is build-8 here but build-7 where the model was trained "
        "(versions not comparable). Pin homegrown==build-7 in production, "
        "or retrain.",
    ),
    (
        "homegrown",
        "build-7",
        "build-8",
        False,
        "other",
        "warning",
        "homegrown is build-8 here but build-7 where the model was trained "
        "(versions not comparable). Pin homegrown==build-7 in production, "
        "or retrain.",
    ),
    (
        "xgboost",
        None,
        "2.0.3",
        True,
        "added",
        "error",
        "xgboost 2.0.3 is installed here but was not where the model was trained. "
        "Uninstall xgboost in production, or retrain with it installed.",
    ),
    (
        "xgboost",
        None,
        "2.0.3",
        False,
        "added",
        "info",
        "xgboost 2.0.3 is installed here but was not where the model was trained. "
        "Uninstall xgboost in production, or retrain with it installed.",
    ),
    (
        "scipy",
        "1.12.0",
        None,
        True,
        "removed",
        "error",
        "scipy 1.12.0 was installed where the model was trained but is missing here. "
        "Install scipy==1.12.0 in production, or retrain without it.",
    ),
    (
        "scipy",
        "1.12.0",
        None,
        False,
        "removed",
        "info",
        "scipy 1.12.0 was installed where the model was trained but is missing here. "
        "Install scipy==1.12.0 in production, or retrain without it.",
    ),
]


@pytest.mark.parametrize(
    ("name", "trained", "here", "important", "change", "severity", "message"),
    PACKAGE_CASES,
)
def test_diff_grades_package_changes(
    name: str,
    trained: str | None,
    here: str | None,
    important: bool,
    change: str,
    severity: str,
    message: str,
) -> None:
    shared = {"pandas": "2.2.0"}
    a = make_fingerprint({**shared, name: trained} if trained else shared)
    b = make_fingerprint({**shared, name: here} if here else shared)

    got = only_change(a, b, important=[name] if important else ["pandas"])

    assert got == EnvChange(
        kind="package",
        name=name,
        before=trained,
        after=here,
        change=change,  # type: ignore[arg-type]  # str from the table
        severity=severity,  # type: ignore[arg-type]  # str from the table
        message=message,
    )


# (trained, here, change, severity, message)
PYTHON_CASES = [
    (
        "3.11.7",
        "3.12.1",
        "minor",
        "error",
        "Python is 3.12.1 here but 3.11.7 where the model was trained (minor change). "
        "Run the model on Python 3.11.7, or retrain.",
    ),
    (
        "3.11.7",
        "4.0.0",
        "major",
        "error",
        "Python is 4.0.0 here but 3.11.7 where the model was trained (major change). "
        "Run the model on Python 3.11.7, or retrain.",
    ),
    (
        "3.11.7",
        "3.11.9",
        "patch",
        "warning",
        "Python is 3.11.9 here but 3.11.7 where the model was trained (patch change). "
        "Run the model on Python 3.11.7, or retrain.",
    ),
    (
        "3.13.0rc1",
        "3.13.0",
        "other",
        "warning",
        "Python is 3.13.0 here but 3.13.0rc1 where the model was trained "
        "(pre-release or build change). Run the model on Python 3.13.0rc1, or retrain.",
    ),
]


@pytest.mark.parametrize(
    ("trained", "here", "change", "severity", "message"), PYTHON_CASES
)
def test_diff_grades_python_changes(
    trained: str, here: str, change: str, severity: str, message: str
) -> None:
    got = only_change(
        make_fingerprint(python_version=trained), make_fingerprint(python_version=here)
    )

    assert got == EnvChange(
        kind="python",
        name="python",
        before=trained,
        after=here,
        change=change,  # type: ignore[arg-type]  # str from the table
        severity=severity,  # type: ignore[arg-type]  # str from the table
        message=message,
    )


@pytest.mark.parametrize(
    ("field", "trained", "here", "expected"),
    [
        (
            "os",
            "Linux",
            "Darwin",
            EnvChange(
                kind="platform",
                name="os",
                before="Linux",
                after="Darwin",
                change="other",
                severity="warning",
                message="The operating system is Darwin here but Linux where the "
                "model was trained. Check that the model gives the same predictions "
                "on Darwin, or run it on Linux.",
            ),
        ),
        (
            "machine",
            "x86_64",
            "arm64",
            EnvChange(
                kind="platform",
                name="architecture",
                before="x86_64",
                after="arm64",
                change="other",
                severity="warning",
                message="The CPU architecture is arm64 here but x86_64 where the "
                "model was trained. Check that the model gives the same predictions "
                "on arm64, or run it on x86_64.",
            ),
        ),
        (
            "python_implementation",
            "CPython",
            "PyPy",
            EnvChange(
                kind="python",
                name="implementation",
                before="CPython",
                after="PyPy",
                change="other",
                severity="error",
                message="Python is PyPy here but CPython where the model was "
                "trained. Run the model on CPython, or retrain.",
            ),
        ),
    ],
)
def test_diff_reports_platform_changes(
    field: str, trained: str, here: str, expected: EnvChange
) -> None:
    got = only_change(
        make_fingerprint(None, **{field: trained}),
        make_fingerprint(None, **{field: here}),
    )

    assert got == expected


def test_identical_environments_differ_in_nothing() -> None:
    result = diff(make_fingerprint(), make_fingerprint(hostname="server-9", env=()))

    assert result.is_empty
    assert result.max_severity is None
    assert result.to_dict() == {"max_severity": None, "changes": []}


@pytest.mark.parametrize(("trained", "here"), [("1.0", "1.0.0"), ("2.0.0", "2")])
def test_equal_versions_spelled_differently_are_no_change(
    trained: str, here: str
) -> None:
    a = make_fingerprint({"numpy": trained})
    b = make_fingerprint({"numpy": here})

    assert diff(a, b).is_empty


def test_important_names_match_in_any_spelling() -> None:
    a = make_fingerprint({"scikit-learn": "1.4.0"})
    b = make_fingerprint({"scikit-learn": "1.4.1"})

    assert only_change(a, b, important=["Scikit_Learn"]).severity == "warning"


def test_diff_warns_about_important_names_installed_nowhere() -> None:
    a = make_fingerprint({"scikit-learn": "1.4.0"})

    with pytest.warns(PipewardenWarning) as record:
        result = diff(a, a, important=["sklearn", "scikit-learn"])

    assert result.is_empty
    assert [str(w.message) for w in record] == [
        "Important package sklearn is installed in neither environment, so not "
        "checked. Use distribution names as pip lists them (scikit-learn, not sklearn)."
    ]


def test_changes_come_python_first_then_platform_then_packages_by_name() -> None:
    a = make_fingerprint({"b-pkg": "1.0", "a-pkg": "1.0"}, python_version="3.11.7")
    b = make_fingerprint(
        {"b-pkg": "2.0", "a-pkg": "1.1"}, python_version="3.12.0", machine="arm64"
    )

    result = diff(a, b, important=["b-pkg"])

    assert [(c.kind, c.name, c.severity) for c in result.changes] == [
        ("python", "python", "error"),
        ("platform", "architecture", "warning"),
        ("package", "a-pkg", "warning"),
        ("package", "b-pkg", "error"),
    ]
    assert result.max_severity == "error"


@pytest.mark.parametrize(
    ("here", "worst"),
    [
        ({"numpy": "1.26.5"}, "info"),
        ({"numpy": "1.27.0"}, "warning"),
        ({"numpy": "2.0.0", "pandas": "2.2.0"}, "warning"),
    ],
)
def test_max_severity_is_the_worst_change(here: dict[str, str], worst: str) -> None:
    result = diff(make_fingerprint({"numpy": "1.26.4"}), make_fingerprint(here))

    assert result.max_severity == worst


def test_diff_result_round_trips_through_json() -> None:
    a = make_fingerprint({"numpy": "1.26.4", "scipy": "1.12.0"})
    b = make_fingerprint({"numpy": "2.0.0"}, os="Windows")
    result = diff(a, b, important=["numpy"])

    data = json.loads(json.dumps(result.to_dict()))

    assert data["max_severity"] == "error"
    assert data["changes"][0] == {
        "kind": "platform",
        "name": "os",
        "before": "Linux",
        "after": "Windows",
        "change": "other",
        "severity": "warning",
        "message": "The operating system is Windows here but Linux where the model "
        "was trained. Check that the model gives the same predictions on Windows, "
        "or run it on Linux.",
    }
    assert EnvDiffResult.from_dict(data) == result


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "package", "name": "numpy"},
            "The environment change has no 'before', 'after', 'change', 'severity', "
            "'message'. Make it again with pipewarden.env.diff().",
        ),
        (
            {
                "kind": "package",
                "name": "numpy",
                "before": "1",
                "after": "2",
                "change": "major",
                "severity": "fatal",
                "message": "m",
            },
            "The environment change has severity 'fatal'; expected one of "
            "error, warning, info.",
        ),
    ],
)
def test_env_change_from_dict_rejects_bad_data(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(PipewardenError) as info:
        EnvChange.from_dict(data)

    assert str(info.value) == message
