"""Retrain advice: a per-model policy over the monitored windows.

A policy (YAML, ``kind: pipewarden/retrain-policy``) recommends retraining when any of:

- ``performance_windows``: a performance rule hit in that many labelled windows in a
  row, up to the newest labelled one;
- ``max_age_days``: the model was registered longer ago than that;
- ``drift_top_inputs``: one of the model's that-many most important inputs drifted
  (warning or error) in the newest window with predictions.

The advice becomes a ``retrain.recommended`` finding with the reasons. Calling the
team's training job is left to a notification channel of the alert rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from pipewarden.errors import ConfigError

__all__ = ["POLICY_KIND", "RetrainAdvice", "RetrainPolicy", "advise"]

POLICY_KIND = "pipewarden/retrain-policy"


@dataclass(frozen=True, slots=True)
class RetrainPolicy:
    """When to recommend retraining (None switches a reason off)."""

    performance_windows: int | None = 2
    max_age_days: float | None = 180.0
    drift_top_inputs: int | None = 3

    @classmethod
    def load(cls, path: str | Path) -> RetrainPolicy:
        """Read a policy file.

        Raises:
            ConfigError: Unreadable, not a policy, an unknown key or a bad value.
        """
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"Cannot read the retrain policy {path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("kind") != POLICY_KIND:
            raise ConfigError(
                f"{path} is not a retrain policy: it needs 'kind: {POLICY_KIND}' and "
                "keys performance_windows, max_age_days, drift_top_inputs."
            )
        known = {"kind", "version", *cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(
                f"{path}: unknown key {unknown[0]!r}. Use performance_windows, "
                "max_age_days or drift_top_inputs."
            )
        values: dict[str, Any] = {}
        for key in cls.__dataclass_fields__:
            if key not in data:
                continue
            value = data[key]
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value <= 0
            ):
                raise ConfigError(
                    f"{path}: {key} must be a positive number or null, not {value!r}."
                )
            values[key] = value
        return cls(**values)

    def to_yaml(self) -> str:
        return yaml.safe_dump(
            {
                "kind": POLICY_KIND,
                "version": 1,
                "performance_windows": self.performance_windows,
                "max_age_days": self.max_age_days,
                "drift_top_inputs": self.drift_top_inputs,
            },
            sort_keys=False,
        )


@dataclass(frozen=True, slots=True)
class RetrainAdvice:
    """Whether to retrain, and why."""

    retrain: bool
    reasons: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"retrain": self.retrain, "reasons": list(self.reasons)}


def advise(
    policy: RetrainPolicy,
    *,
    registered_at: datetime,
    now: datetime,
    perf_failing: Sequence[bool],
    drifted_last: Sequence[str],
    importances: Mapping[str, float],
) -> RetrainAdvice:
    """The advice.

    Args:
        policy: The model's policy.
        registered_at: When the model was registered.
        now: The time of the advice.
        perf_failing: Per labelled window, oldest first: whether a performance rule
            hit it.
        drifted_last: Inputs that drifted in the newest window with predictions.
        importances: The model's feature importance shares (may be empty).
    """
    reasons: list[str] = []
    if policy.performance_windows is not None:
        streak = 0
        for failing in reversed(perf_failing):
            if not failing:
                break
            streak += 1
        if streak >= policy.performance_windows:
            reasons.append(
                f"a performance rule failed in the last {streak} labelled windows "
                f"(policy: {policy.performance_windows})"
            )
    age = (now - registered_at).total_seconds() / 86400
    if policy.max_age_days is not None and age > policy.max_age_days:
        reasons.append(
            f"the model is {age:.0f} days old (policy: at most {policy.max_age_days:g})"
        )
    if policy.drift_top_inputs is not None and importances and drifted_last:
        top = sorted(importances, key=lambda c: -importances[c])[
            : policy.drift_top_inputs
        ]
        moved = [c for c in top if c in drifted_last]
        if moved:
            share = sum(importances[c] for c in moved)
            reasons.append(
                f"its most important inputs drifted: {', '.join(moved)} "
                f"({share:.0%} of the model's importance)"
            )
    return RetrainAdvice(bool(reasons), tuple(reasons))
