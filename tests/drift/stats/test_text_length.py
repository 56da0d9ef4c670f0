from __future__ import annotations

import numpy as np
import pytest
from drift_helpers import column
from scipy import stats

from pipewarden.drift.stats import get
from pipewarden.drift.stats._inputs import TextPair


def _texts(rng: np.random.Generator, n: int, mean_words: float) -> list[str]:
    return [" ".join(["word"] * max(1, int(k))) for k in rng.poisson(mean_words, n)]


def test_text_length_matches_welch_and_the_standardised_mean_difference(rng):
    a, b = _texts(rng, 2000, 8), _texts(rng, 1500, 9)
    pair = TextPair(column(a).lengths, column(b).lengths)
    result = get("text_length")(pair)
    la = np.array([len(s) for s in a], dtype=float)
    lb = np.array([len(s) for s in b], dtype=float)
    pooled = np.sqrt(
        ((la.size - 1) * la.var(ddof=1) + (lb.size - 1) * lb.var(ddof=1))
        / (la.size + lb.size - 2)
    )
    assert result.score == pytest.approx(abs(lb.mean() - la.mean()) / pooled, rel=1e-9)
    assert result.p_value == pytest.approx(
        stats.ttest_ind(la, lb, equal_var=False).pvalue, rel=1e-6
    )


def test_constant_lengths_use_one_character_as_the_spread():
    pair = TextPair(column(["abcd"] * 10).lengths, column(["abcdef"] * 10).lengths)
    result = get("text_length")(pair)
    assert (result.score, result.p_value) == (2.0, 0.0)
