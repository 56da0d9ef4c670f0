"""The tests of ``models compare`` against independent computations, their intervals'
coverage by simulation, and the false "challenger_better" rate on identical models."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from pipewarden.monitor import _stats
from pipewarden.monitor.compare import verdict

REPS = 1000


# --------------------------------------------------------------------- against references


def test_paired_mean_equals_scipys_paired_t_test() -> None:
    rng = np.random.default_rng(1)
    a = np.abs(rng.normal(0, 1, 300))
    b = np.abs(rng.normal(0, 1, 300) * 0.9 + 0.3 * a)
    found = _stats.mean_paired(a, b, difference=float(b.mean() - a.mean()))
    reference = stats.ttest_rel(b, a)
    interval = reference.confidence_interval(0.95)
    assert found.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert found.ci == pytest.approx((interval.low, interval.high), rel=1e-9)


def test_unpaired_mean_equals_scipys_welch_test() -> None:
    rng = np.random.default_rng(2)
    a = np.abs(rng.normal(0, 1, 250))
    b = np.abs(rng.normal(0.1, 1.6, 400))
    found = _stats.mean_unpaired(a, b, difference=float(b.mean() - a.mean()))
    reference = stats.ttest_ind(b, a, equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert found.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert found.ci == pytest.approx((interval.low, interval.high), rel=1e-9)


@pytest.mark.parametrize(("gained", "lost"), [(3, 9), (0, 7), (12, 12), (20, 5)])
def test_mcnemar_with_few_discordant_rows_is_scipys_exact_binomial_test(
    gained: int, lost: int
) -> None:
    a = np.array([False] * gained + [True] * lost + [True] * 50 + [False] * 10)
    b = np.array([True] * gained + [False] * lost + [True] * 50 + [False] * 10)
    found = _stats.mcnemar(a, b)
    assert found.test == "McNemar exact binomial"
    expected = stats.binomtest(gained, gained + lost, 0.5).pvalue
    assert found.p_value == pytest.approx(expected, rel=1e-12)
    assert found.difference == pytest.approx((gained - lost) / len(a))


def test_mcnemar_with_many_discordant_rows_is_the_corrected_chi_square() -> None:
    gained, lost = 70, 41
    a = np.array([False] * gained + [True] * lost + [True] * 300)
    b = np.array([True] * gained + [False] * lost + [True] * 300)
    found = _stats.mcnemar(a, b)
    # the 2x2 table's off-diagonal cells, tested as scipy's chi-square of a
    # one-sample split (b vs c) with Yates' correction: (|b - c| - 1)^2 / (b + c)
    table = np.array([[300, lost], [gained, 0]])
    b_c = table[1, 0], table[0, 1]
    statistic = (abs(b_c[0] - b_c[1]) - 1) ** 2 / sum(b_c)
    assert found.p_value == pytest.approx(stats.chi2.sf(statistic, 1), rel=1e-12)


def test_two_proportions_p_value_is_scipys_chi_square_without_correction() -> None:
    found = _stats.two_proportions(410, 500, 830, 1000)
    table = [[410, 90], [830, 170]]
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    assert found.p_value == pytest.approx(p, rel=1e-9)
    assert found.difference == pytest.approx(0.83 - 0.82)


def _brute_force_delong(
    truth: np.ndarray, scores: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """AUCs and their covariance by explicit pairwise comparison (O(n^2))."""
    aucs, v10s, v01s = [], [], []
    for s in scores:
        pos, neg = s[truth], s[~truth]
        psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
        aucs.append(psi.mean())
        v10s.append(psi.mean(axis=1))
        v01s.append(psi.mean(axis=0))
    cov = np.cov(np.array(v10s)) / len(v10s[0]) + np.cov(np.array(v01s)) / len(v01s[0])
    return np.array(aucs), cov


def test_delong_paired_equals_the_brute_force_covariance() -> None:
    rng = np.random.default_rng(3)
    truth = rng.random(400) < 0.3
    latent = truth * 1.0 + rng.normal(0, 1, 400)
    a = np.round(latent + rng.normal(0, 0.8, 400), 1)  # ties, on purpose
    b = latent + rng.normal(0, 0.4, 400)
    aucs, cov = _brute_force_delong(truth, [a, b])
    found = _stats.delong_paired(truth, a, b)
    assert _stats.auc(truth, a) == pytest.approx(roc_auc_score(truth, a), abs=1e-12)
    assert found.difference == pytest.approx(aucs[1] - aucs[0], abs=1e-12)
    se = math.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert found.ci[1] - found.difference == pytest.approx(1.959963984540054 * se)
    assert found.p_value == pytest.approx(
        2 * stats.norm.sf(abs(aucs[1] - aucs[0]) / se), rel=1e-9
    )


def test_delong_unpaired_sums_the_brute_force_variances() -> None:
    rng = np.random.default_rng(4)
    ta, tb = rng.random(300) < 0.4, rng.random(350) < 0.4
    a = ta * 0.8 + rng.normal(0, 1, 300)
    b = tb * 1.2 + rng.normal(0, 1, 350)
    (auc_a,), var_a = _brute_force_delong(ta, [a])
    (auc_b,), var_b = _brute_force_delong(tb, [b])
    found = _stats.delong_unpaired(ta, a, tb, b)
    se = math.sqrt(float(var_a) + float(var_b))
    assert found.difference == pytest.approx(auc_b - auc_a, abs=1e-12)
    assert found.ci[1] - found.difference == pytest.approx(1.959963984540054 * se)


def test_sample_ratio_is_scipys_chi_square_goodness_of_fit() -> None:
    found = _stats.sample_ratio(5210, 4790, 0.5)
    reference = stats.chisquare([5210, 4790], [5000, 5000])
    assert found.chi2 == pytest.approx(reference.statistic)
    assert found.p_value == pytest.approx(reference.pvalue)
    assert found.mismatch  # p = 2.7e-5
    assert not _stats.sample_ratio(5040, 4960).mismatch


@pytest.mark.parametrize(
    ("ci", "higher", "expected"),
    [
        ((0.01, 0.03), True, "challenger_better"),
        ((0.01, 0.03), False, "champion_better"),
        ((-0.03, -0.01), False, "challenger_better"),
        ((-0.03, 0.01), True, "no_difference"),
        ((0.0, 0.02), True, "no_difference"),
    ],
)
def test_verdict_is_no_difference_whenever_the_interval_holds_zero(
    ci: tuple[float, float], higher: bool, expected: str
) -> None:
    assert verdict(_stats.Difference(0.02, ci, 0.01, "t"), higher) == expected


# --------------------------------------------------------------------- coverage


def _covered(found: _stats.Difference, truth: float) -> bool:
    return found.ci[0] <= truth <= found.ci[1]


def test_paired_mae_interval_covers_the_true_difference_in_95_percent() -> None:
    rng = np.random.default_rng(10)
    n = 150
    true = (1.2 - 1.0) * math.sqrt(2 / math.pi)  # E|N(0, s^2)| = s sqrt(2/pi)
    hits = 0
    for _ in range(REPS):
        common = rng.normal(0, 1, n)
        a = np.abs(common)
        b = np.abs(0.6 * common + rng.normal(0, math.sqrt(1.44 - 0.36), n))
        hits += _covered(
            _stats.mean_paired(a, b, difference=float(b.mean() - a.mean())), true
        )
    assert hits / REPS >= 0.94


def test_unpaired_rmse_interval_covers_the_true_difference_in_95_percent() -> None:
    """The delta method of RMSE: 94.9% over 5,000 repetitions at these sizes (at
    300/260 rows it was 94.6%: the square root's bias fades with n)."""
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(REPS):
        ea, eb = rng.normal(0, 1.0, 800), rng.normal(0, 1.1, 700)
        ra, rb = math.sqrt((ea**2).mean()), math.sqrt((eb**2).mean())
        found = _stats.mean_unpaired(
            ea**2 / (2 * ra), eb**2 / (2 * rb), difference=rb - ra
        )
        hits += _covered(found, 0.1)
    assert hits / REPS >= 0.94


def test_paired_accuracy_interval_covers_the_true_difference_in_95_percent() -> None:
    rng = np.random.default_rng(12)
    cells = [0.70, 0.05, 0.10, 0.15]  # both right, a only, b only, both wrong
    true = cells[2] - cells[1]
    hits = 0
    for _ in range(REPS):
        kind = rng.choice(4, size=200, p=cells)
        a, b = np.isin(kind, (0, 1)), np.isin(kind, (0, 2))
        hits += _covered(_stats.mcnemar(a, b), true)
    assert hits / REPS >= 0.94


def test_unpaired_accuracy_interval_covers_the_true_difference_in_95_percent() -> None:
    rng = np.random.default_rng(13)
    ra, rb = rng.binomial(180, 0.75, REPS), rng.binomial(220, 0.82, REPS)
    hits = sum(
        _covered(_stats.two_proportions(int(x), 180, int(y), 220), 0.07)
        for x, y in zip(ra, rb, strict=True)
    )
    assert hits / REPS >= 0.94


def test_paired_auc_interval_covers_the_true_difference_in_95_percent() -> None:
    """Binormal scores: AUC = Phi(mu / sqrt(2)) whatever the models' correlation."""
    rng = np.random.default_rng(14)
    mu_a, mu_b = 1.0, 1.4
    true = stats.norm.cdf(mu_b / math.sqrt(2)) - stats.norm.cdf(mu_a / math.sqrt(2))
    hits = 0
    for _ in range(REPS):
        truth = rng.random(300) < 0.4
        shared = rng.normal(0, 1, 300)
        a = truth * mu_a + 0.7 * shared + math.sqrt(0.51) * rng.normal(0, 1, 300)
        b = truth * mu_b + 0.7 * shared + math.sqrt(0.51) * rng.normal(0, 1, 300)
        hits += _covered(_stats.delong_paired(truth, a, b), true)
    assert hits / REPS >= 0.94


def test_identical_models_are_called_challenger_better_at_most_5_percent() -> None:
    """Two models of the same quality, on the same rows and on split traffic."""
    rng = np.random.default_rng(15)
    wins = {"mae paired": 0, "accuracy paired": 0, "auc paired": 0, "mae split": 0}
    for _ in range(REPS):
        common = rng.normal(0, 1, 200)
        a = np.abs(common + rng.normal(0, 0.5, 200))
        b = np.abs(common + rng.normal(0, 0.5, 200))
        said = verdict(_stats.mean_paired(a, b, difference=b.mean() - a.mean()), False)
        wins["mae paired"] += said == "challenger_better"
        ra, rb = rng.random(200) < 0.8, rng.random(200) < 0.8
        wins["accuracy paired"] += (
            verdict(_stats.mcnemar(ra, rb), True) == "challenger_better"
        )
        truth = rng.random(200) < 0.5
        sa, sb = truth + rng.normal(0, 1, 200), truth + rng.normal(0, 1, 200)
        wins["auc paired"] += (
            verdict(_stats.delong_paired(truth, sa, sb), True) == "challenger_better"
        )
        c, d = np.abs(rng.normal(0, 1, 150)), np.abs(rng.normal(0, 1, 170))
        said = verdict(
            _stats.mean_unpaired(c, d, difference=d.mean() - c.mean()), False
        )
        wins["mae split"] += said == "challenger_better"
    assert all(count / REPS <= 0.05 for count in wins.values()), wins
