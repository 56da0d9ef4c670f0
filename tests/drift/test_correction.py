from __future__ import annotations

import pytest

from pipewarden.drift.correction import adjust
from pipewarden.errors import DriftError


def test_benjamini_hochberg_matches_the_step_up_procedure():
    # p sorted: 0.01, 0.02, 0.03, 0.5 -> x4/1, x4/2, x4/3, x4/4 then running minimum
    got = adjust([0.03, 0.5, 0.01, 0.02], "bh")
    assert got == pytest.approx([0.04, 0.5, 0.04, 0.04])


def test_bonferroni_multiplies_by_the_number_of_tests_capped_at_one():
    assert adjust([0.01, 0.4], "bonferroni") == pytest.approx([0.02, 0.8])
    assert adjust([0.6, 0.7], "bonferroni") == [1.0, 1.0]


def test_none_leaves_p_values_and_empty_is_empty():
    assert adjust([0.3, 0.01], "none") == [0.3, 0.01]
    assert adjust([], "bh") == []


def test_unknown_correction_is_refused_with_the_choices():
    with pytest.raises(DriftError, match="Choose one of: bh, bonferroni, none"):
        adjust([0.1], "holm")
