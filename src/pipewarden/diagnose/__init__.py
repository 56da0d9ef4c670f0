"""Diagnosis: what a finding's symptom most likely comes from, worked out from the
profiles (and from the rows where a step already reads them).

A core layer between profiles and contracts: it reads profiles and sketches and
returns plain values; contracts name what it recognises in a reference (sentinels,
the tolerated gap) and checks turn its answers into a finding's first sentence and
its ``evidence``.

One module per kind of cause: ``units`` (out-of-range values a standard conversion
explains), ``labels`` (padding, case and renames of categories), ``sentinels``
(numbers that stand for "unknown"), ``text_numbers`` (text where numbers were
expected), ``onset`` (when a change began, from the time-ordered rows) and ``gaps``
(silences judged against the series' cadence).
"""
