from __future__ import annotations

import importlib

import pytest

from pipewarden.drift.stats import get, statistics
from pipewarden.drift.stats._inputs import ProportionPair
from pipewarden.errors import DriftError


def test_every_statistic_module_registers_itself_with_a_documented_docstring():
    stats = statistics()
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


def test_unknown_statistics_are_refused_with_the_choices():
    with pytest.raises(
        DriftError, match="Unknown drift statistic 'kl'. Choose one of: chi2, js, ks"
    ):
        get("kl")


def test_a_statistic_refuses_columns_it_does_not_accept():
    with pytest.raises(DriftError, match="'ks' statistic does not apply to proportion"):
        get("ks")(ProportionPair(1, 10, 2, 10))
