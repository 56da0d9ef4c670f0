from __future__ import annotations

import importlib

import pytest

from pipewarden.drift.results import StatValue
from pipewarden.drift.stats import (
    BUILTIN_STATISTICS,
    Statistic,
    get,
    register,
    statistics,
    unregister,
)
from pipewarden.drift.stats._inputs import ProportionPair
from pipewarden.errors import ConfigError, DriftError


def test_every_built_in_statistic_is_listed_with_a_documented_module() -> None:
    stats = statistics()
    assert tuple(stats.values()) == BUILTIN_STATISTICS
    assert set(stats) == {
        "chi2",
        "js",
        "ks",
        "linf",
        "null_rate",
        "psi",
        "text_length",
        "wasserstein",
    }
    for name, stat in stats.items():
        module = importlib.import_module(stat.compute.__module__)
        doc = module.__doc__ or ""
        assert "Accepts" in doc and "threshold" in doc, name
        assert stat.check == f"drift.{name}"


def test_unknown_statistics_are_refused_with_the_choices() -> None:
    with pytest.raises(
        DriftError, match="Unknown drift statistic 'kl'. Choose one of: chi2, js, ks"
    ):
        get("kl")


def test_a_statistic_refuses_columns_it_does_not_accept() -> None:
    with pytest.raises(DriftError, match="'ks' statistic does not apply to proportion"):
        get("ks")(ProportionPair(1, 10, 2, 10))


def _constant(name: str, score: float) -> Statistic:
    def compute(pair: object) -> StatValue:
        return StatValue(name, score)

    return Statistic(name, frozenset({"numeric"}), "effect", 0.5, compute, "constant")


def test_a_registered_statistic_can_be_got_until_removed() -> None:
    stat = register(_constant("always_half", 0.5))
    try:
        assert get("always_half") is stat
        assert list(statistics())[-1] == "always_half"
    finally:
        unregister("always_half")
    with pytest.raises(DriftError, match="Unknown drift statistic 'always_half'"):
        get("always_half")


def test_registering_a_built_in_name_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        register(_constant("psi", 1.0))

    assert str(info.value) == (
        "Drift statistic name 'psi' is taken (a built-in statistic). Choose another "
        "name, or pass replace=True to register() to replace it."
    )
    assert get("psi") in BUILTIN_STATISTICS


def test_replace_takes_a_built_in_name_and_unregister_restores_it() -> None:
    builtin = get("ks")
    replacement = register(_constant("ks", 0.0), replace=True)
    try:
        assert get("ks") is replacement
        assert list(statistics()) == [s.name for s in BUILTIN_STATISTICS]
    finally:
        unregister("ks")
    assert get("ks") is builtin


def test_built_in_statistics_cannot_be_unregistered() -> None:
    with pytest.raises(ConfigError, match="built-in statistics cannot be removed"):
        unregister("psi")
