"""compare_models and promote_model end to end, on SQLite and PostgreSQL: the design
read from the data, figures equal to independent computations, the flagged segment,
the sample-ratio check, promotions and the champion in models list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from scipy import stats
from sklearn.metrics import mean_absolute_error

from pipewarden.errors import ConfigError
from pipewarden.store import Store
from pipewarden.workflows.lifecycle import champions, compare_models, promote_model
from pipewarden.workflows.models import register_model
from pipewarden.workflows.monitoring import list_models
from pipewarden.workflows.traffic import log_labels, log_predictions
from store_helpers import make_fingerprint

T0 = datetime(2026, 5, 4, tzinfo=UTC)
N = 1200


def _traffic(seed: int = 0) -> pl.DataFrame:
    """Three sites; the challenger is better on north and east, worse on south."""
    rng = np.random.default_rng(seed)
    site = rng.choice(["north", "south", "east"], N)
    x = rng.normal(0, 1, N)
    y = 5 * x + rng.normal(0, 1, N)
    champion = y + rng.normal(0, 1.5, N)
    challenger = np.where(
        site == "south", y + rng.normal(0, 2.5, N), y + rng.normal(0, 0.6, N)
    )
    return pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(N)],
            "ts": [T0 + timedelta(minutes=i) for i in range(N)],
            "site": site,
            "x": x,
            "y": y,
            "a": champion,
            "b": challenger,
        }
    )


def _register(store: Store) -> None:
    for version in ("1", "2"):
        register_model(
            "plant",
            version,
            version.encode(),
            environment=make_fingerprint(),
            task="regression",
            store=store,
        )


def test_shadow_traffic_is_compared_paired_with_the_south_site_flagged(
    store: Store,
) -> None:
    frame = _traffic()
    _register(store)
    for version, column in (("1", "a"), ("2", "b")):
        log_predictions(
            f"plant:{version}",
            frame.drop("y", "a" if column == "b" else "b"),
            id="id",
            prediction=column,
            time="ts",
            store=store,
        )
    log_labels("plant:1", frame, id="id", label="y", store=store)

    report = compare_models("plant:1", "plant:2", store=store)

    assert (report.design, report.paired, report.rows) == ("paired", True, N)
    a, b = np.abs(frame["a"] - frame["y"]), np.abs(frame["b"] - frame["y"])
    assert report.champion_value == pytest.approx(
        mean_absolute_error(frame["y"], frame["a"])
    )
    assert report.challenger_value == pytest.approx(b.mean())
    reference = stats.ttest_rel(b.to_numpy(), a.to_numpy())
    assert report.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert report.verdict == "challenger_better"
    by_site = {s.value: s for s in report.segments}
    assert set(by_site) == {"north", "south", "east"}  # found among the text inputs
    assert [s.value for s in report.flagged] == ["south"]
    south = frame.filter(pl.col("site") == "south")
    assert by_site["south"].rows == south.height
    assert by_site["south"].challenger_value == pytest.approx(
        mean_absolute_error(south["y"], south["b"])
    )
    assert by_site["south"].verdict == "champion_better"
    data = report.to_dict()
    assert set(data) >= {
        "champion",
        "challenger",
        "metric",
        "design",
        "paired",
        "rows",
        "champion_value",
        "challenger_value",
        "difference",
        "ci",
        "p_value",
        "verdict",
        "segments",
    }
    assert data["sample_ratio"] is None


def test_ab_traffic_is_compared_split_with_the_sample_ratio_check(store: Store) -> None:
    frame = _traffic(1)
    _register(store)
    to_b = frame["x"] > 0.6  # a biased router: about 27% to the challenger
    for version, part, column in (
        ("1", frame.filter(~to_b), "a"),
        ("2", frame.filter(to_b), "b"),
    ):
        log_predictions(
            f"plant:{version}", part, id="id", prediction=column, time="ts", store=store
        )
        log_labels(f"plant:{version}", part, id="id", label="y", store=store)

    report = compare_models(
        "plant:1", "plant:2", metric="rmse", segments=[], store=store
    )

    assert (report.design, report.paired, report.segments) == ("split", False, ())
    ratio = report.sample_ratio
    assert ratio is not None and ratio.mismatch
    expected = stats.chisquare([int((~to_b).sum()), int(to_b.sum())])
    assert ratio.p_value == pytest.approx(expected.pvalue)
    assert any(n.startswith("Sample-ratio mismatch") for n in report.notes)
    champion = frame.filter(~to_b)
    assert report.champion_value == pytest.approx(
        float(np.sqrt(((champion["a"] - champion["y"]) ** 2).mean()))
    )


def test_the_sample_ratio_check_tests_the_expected_share(store: Store) -> None:
    frame = _traffic(2)
    _register(store)
    to_b = frame["x"] > 0.6  # about 27% to the challenger
    for version, part, column in (
        ("1", frame.filter(~to_b), "a"),
        ("2", frame.filter(to_b), "b"),
    ):
        log_predictions(
            f"plant:{version}", part, id="id", prediction=column, time="ts", store=store
        )
        log_labels(f"plant:{version}", part, id="id", label="y", store=store)
    observed = [int((~to_b).sum()), int(to_b.sum())]

    for share in (0.5, 0.73, 0.9):
        ratio = compare_models(
            "plant:1", "plant:2", segments=[], expected_share=share, store=store
        ).sample_ratio
        expected = stats.chisquare(observed, [N * share, N * (1 - share)])
        assert ratio is not None and ratio.expected_share == share
        assert ratio.p_value == pytest.approx(expected.pvalue, rel=1e-9)
        assert ratio.mismatch == (expected.pvalue < 0.001)
    assert [
        compare_models(
            "plant:1", "plant:2", segments=[], expected_share=s, store=store
        ).sample_ratio.mismatch  # type: ignore[union-attr]
        for s in (0.5, 0.73)
    ] == [True, False]
    with pytest.raises(ConfigError) as raised:
        compare_models("plant:1", "plant:2", expected_share=1.5, store=store)
    assert str(raised.value) == (
        "--expected-share 1.5 is not a share: give the champion's expected share of "
        "the traffic, between 0 and 1 (e.g. 0.9 when the challenger gets 10%)."
    )


def test_bad_requests_say_what_to_do(store: Store) -> None:
    _register(store)
    frame = _traffic()
    log_predictions("plant:1", frame, id="id", prediction="a", time="ts", store=store)
    log_predictions("plant:2", frame, id="id", prediction="b", time="ts", store=store)
    with pytest.raises(ConfigError, match="not a regression metric"):
        compare_models("plant:1", "plant:2", metric="accuracy", store=store)
    with pytest.raises(ConfigError, match="No labelled rows to compare"):
        compare_models("plant:1", "plant:2", store=store)
    with pytest.raises(ConfigError, match="No logged input 'region'"):
        compare_models("plant:1", "plant:2", segments=["region"], store=store)


def test_promotion_records_the_evidence_and_models_list_shows_the_champion(
    store: Store, tmp_path: object
) -> None:
    frame = _traffic()
    _register(store)
    for version, column in (("1", "a"), ("2", "b")):
        log_predictions(
            f"plant:{version}",
            frame,
            id="id",
            prediction=column,
            time="ts",
            store=store,
        )
    log_labels("plant:2", frame, id="id", label="y", store=store)
    report = compare_models("plant:1", "plant:2", store=store)

    first = promote_model("plant:1", note="first release", store=store, now=T0)
    second = promote_model(
        "plant:2",
        evidence=report,
        note="wins the shadow test",
        by="ana",
        store=store,
        now=T0 + timedelta(days=7),
    )

    assert (first.previous, second.previous) == (None, "1")
    kept = store.list_promotions("plant")
    assert [(p.version, p.note, p.promoted_by) for p in kept] == [
        ("1", "first release", None),
        ("2", "wins the shadow test", "ana"),
    ]
    assert kept[1].evidence == report.to_dict()
    assert champions(store)["plant"].version == "2"
    listed = {(m["version"], m["champion"]) for m in list_models(store=store)}
    assert listed == {("1", False), ("2", True)}
    with pytest.raises(ConfigError, match="not plant:1"):
        promote_model(
            "plant:1",
            evidence={
                "champion": "x:1",
                "challenger": "x:2",
                "verdict": "no_difference",
            },
            store=store,
        )
