"""The check registry: built-ins listed explicitly, extras by register(), no silent replacement."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest

from pipewarden.checks import CheckContext, Finding, Severity, register, unregister
from pipewarden.checks.builtin import BUILTIN_CHECKS
from pipewarden.checks.context import CheckFn
from pipewarden.checks.registry import registered
from pipewarden.checks.run import check_profile
from pipewarden.contracts.model import Contract
from pipewarden.engines.local import LocalEngine
from pipewarden.errors import ConfigError


def _always(check_id: str) -> CheckFn:
    """A check that always finds one info finding under its id."""

    def check(ctx: CheckContext) -> Iterator[Finding]:
        yield Finding(check_id, None, Severity.INFO, f"{check_id} ran.")

    return check


def _checks_run() -> list[str]:
    profile = LocalEngine().profile_frame(pl.DataFrame({"a": [1, 2]}))
    return [f.check for f in check_profile(profile, Contract()).findings]


def test_the_built_ins_run_without_anything_registered() -> None:
    assert list(registered()) == list(BUILTIN_CHECKS)
    assert "nulls.rate" in BUILTIN_CHECKS


def test_a_registered_check_runs_after_the_built_ins_until_removed() -> None:
    register("orders.always")(_always("orders.always"))
    try:
        assert list(registered())[-1] == "orders.always"
        assert "orders.always" in _checks_run()
    finally:
        unregister("orders.always")
    assert "orders.always" not in registered()


def test_registering_a_built_in_id_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        register("nulls.rate")

    assert str(info.value) == (
        "Check id 'nulls.rate' is taken (a built-in check). Choose another id, or "
        "pass replace=True to register('nulls.rate', replace=True) to replace it."
    )
    assert registered()["nulls.rate"] is BUILTIN_CHECKS["nulls.rate"]


def test_registering_a_taken_id_twice_is_refused() -> None:
    register("orders.twice")(_always("orders.twice"))
    try:
        with pytest.raises(
            ConfigError, match=r"'orders.twice' is taken \(registered\)"
        ):
            register("orders.twice")
    finally:
        unregister("orders.twice")


def test_replace_takes_a_built_in_id_in_place_and_unregister_restores_it() -> None:
    replacement = register("volume.row_count", replace=True)(
        _always("volume.row_count")
    )
    try:
        assert registered()["volume.row_count"] is replacement
        assert list(registered()) == list(BUILTIN_CHECKS)
        assert "volume.row_count" in _checks_run()
    finally:
        unregister("volume.row_count")
    assert registered()["volume.row_count"] is BUILTIN_CHECKS["volume.row_count"]


def test_built_ins_cannot_be_unregistered() -> None:
    with pytest.raises(ConfigError) as info:
        unregister("nulls.rate")

    assert str(info.value) == (
        "No check was registered under 'nulls.rate' (built-in checks cannot be "
        "removed). Pass an id given to register()."
    )
