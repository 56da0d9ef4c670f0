"""`pipewarden check` and the store: record runs, compare with the last passing run,
and check the environment of a registered model. The store loads only when used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from rich.markup import escape

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.cli._output import err
from pipewarden.config import ENV_PREFIX, Settings, load_settings
from pipewarden.errors import ConfigError
from pipewarden.profiles.dataset import DatasetProfile

LAST_PASS = "last-pass"
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class Recorder:
    """The store options of one `check`: where, under what name, and whether to record."""

    settings: Settings
    dataset: str | None
    enabled: bool
    environ: Mapping[str, str]

    @classmethod
    def from_options(
        cls,
        *,
        store: str | None,
        dataset: str | None,
        record: bool | None,
        environ: Mapping[str, str],
    ) -> Recorder:
        """Record when asked to, or by default when a store or dataset is named."""
        settings = load_settings(environ=environ, store_url=store)
        named = bool(store or dataset or environ.get(f"{ENV_PREFIX}STORE_URL"))
        return cls(settings, dataset, named if record is None else record, environ)

    def reference(self, reference: str | None) -> tuple[Any, str | None]:
        """The reference to check against, and how to name it in the run.

        ``last-pass`` loads the profile of the dataset's last passing run.
        """
        if reference != LAST_PASS:
            return reference, reference
        if not self.dataset:
            raise ConfigError(
                "--reference last-pass needs --dataset NAME: the dataset whose last "
                "passing run to compare with."
            )
        from pipewarden.store import open_store

        with open_store(self.settings.store_url) as store:
            run = store.last_passing_run(self.dataset)
        if run.profile is None:
            raise ConfigError(
                f"Run {run.id} of '{self.dataset}' has no stored profile to compare "
                "with. Pass --reference DATA instead."
            )
        return run.profile, f"run:{run.id}"

    def model_findings(self, model: str | None) -> tuple[Finding, ...]:
        """``env.mismatch`` findings for ``NAME[:VERSION]``, or none without a model."""
        if not model:
            return ()
        from pipewarden.env.fingerprint import capture
        from pipewarden.workflows.models import check_environment

        name, _, version = model.partition(":")
        return check_environment(
            name,
            version or None,
            environment=capture(self.environ),
            store=self.settings.store_url,
        )

    def record(
        self,
        result: CheckResult,
        *,
        profile: DatasetProfile,
        contract: str,
        data: Any,
        query: str | None,
        started_at: datetime,
        reference: str | None,
        environ: Mapping[str, str],
    ) -> CheckResult:
        """Record the run (when enabled); returns the result with history findings."""
        if not self.enabled:
            return result
        from pipewarden.contracts.yaml_io import load_contract
        from pipewarden.env.fingerprint import capture
        from pipewarden.io.fingerprints import fingerprint_inputs
        from pipewarden.monitor.history import HistoryPolicy
        from pipewarden.store import open_store
        from pipewarden.workflows.record import record_run

        policy = HistoryPolicy(window=self.settings.history_window)
        with open_store(self.settings.store_url) as store:
            run = record_run(
                store,
                result,
                profile=profile,
                environ=environ,
                contract=load_contract(contract),
                dataset=self.dataset or result.dataset,
                inputs=fingerprint_inputs(data, query=query),
                environment=capture(environ),
                started_at=started_at,
                reference=reference,
                history=policy,
            )
        err.print(f"Recorded run {run.id} in {escape(store.url)}")
        return run.result


def with_findings(result: CheckResult, findings: Sequence[Finding]) -> CheckResult:
    """The result with more findings, errors first."""
    if not findings:
        return result
    merged = sorted([*result.findings, *findings], key=lambda f: _ORDER[f.severity])
    return replace(result, findings=tuple(merged))
