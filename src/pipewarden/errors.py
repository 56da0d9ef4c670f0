"""Every exception pipewarden raises, in one hierarchy.

::

    PipewardenError
    ├── ConfigError                 bad setting, unreadable pipewarden.yaml
    ├── MissingDependencyError      optional extra not installed (also an ImportError)
    ├── SourceError                 unreadable, empty or malformed input data
    │   └── ReadAgainError          types read optimistically did not hold: read again
    ├── EnvError                    an environment fingerprint cannot be read
    ├── ProfileError                profiles that cannot be merged or parsed
    ├── ContractError
    │   ├── ContractNotFoundError
    │   └── ContractParseError      carries file, line and key
    ├── ValidationFailedError       raised only by CheckResult.raise_for_findings()
    ├── ConformError                the batch cannot be reshaped at all
    ├── EngineError
    │   └── EngineNotAvailableError
    ├── StoreError
    │   ├── RecordNotFoundError
    │   ├── MigrationRequiredError
    │   └── StoreUnavailableError   the connection failed or dropped: a retry may work
    ├── DriftError                  e.g. profiles with different column kinds
    ├── AlertError                  an alert cannot make this transition (resolved already)
    └── AuthError                   a write to the server without the right token
    PipewardenWarning(UserWarning)  soft problems, such as a contract key that is ignored
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AlertError",
    "AuthError",
    "ConfigError",
    "ConformError",
    "ContractError",
    "ContractNotFoundError",
    "ContractParseError",
    "DriftError",
    "EngineError",
    "EngineNotAvailableError",
    "EnvError",
    "MigrationRequiredError",
    "MissingDependencyError",
    "PipewardenError",
    "PipewardenWarning",
    "ProfileError",
    "ReadAgainError",
    "RecordNotFoundError",
    "SourceError",
    "StoreError",
    "StoreUnavailableError",
    "ValidationFailedError",
]


class PipewardenError(Exception):
    """Root of every error pipewarden raises on purpose."""


class ConfigError(PipewardenError):
    """A setting is invalid or the configuration file cannot be read."""


class MissingDependencyError(PipewardenError, ImportError):
    """An optional extra is needed but not installed."""


class SourceError(PipewardenError):
    """Input data cannot be read: missing, empty, malformed or of an unknown format."""


class ReadAgainError(SourceError):
    """Rows already read were parsed with types that a later row shows do not hold.

    Raised only to a caller that asked to read optimistically (``iter_frames(
    optimistic=True)``) and can throw its work away: it reads the source again
    without ``optimistic`` (``io.sources.optimistically``), and then every row is
    checked before any is read.
    """


class EnvError(PipewardenError):
    """An environment fingerprint cannot be read or parsed."""


class ProfileError(PipewardenError):
    """A profile cannot be parsed, or two profiles cannot be merged."""


class ContractError(PipewardenError):
    """A contract is invalid."""


class ContractNotFoundError(ContractError):
    """The contract file does not exist."""


class ContractParseError(ContractError):
    """A contract file is malformed; says where (file, line, key) and how to fix it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.key = key
        where = ""
        if file is not None:
            where = f"{file}"
            if line is not None:
                where += f", line {line}"
            if key is not None:
                where += f", key '{key}'"
            where += ": "
        super().__init__(where + message)


class ValidationFailedError(PipewardenError):
    """A batch failed its contract; carries the CheckResult."""

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


class ConformError(PipewardenError):
    """A batch cannot be reshaped at all (row-level problems are quarantined instead)."""


class EngineError(PipewardenError):
    """A compute engine failed."""


class EngineNotAvailableError(EngineError):
    """The requested compute engine is unknown or not installed."""


class StoreError(PipewardenError):
    """The store (database) cannot be read or written."""


class RecordNotFoundError(StoreError):
    """A run, profile or model asked for is not in the store."""


class MigrationRequiredError(StoreError):
    """The store is at an older schema revision than this pipewarden needs."""


class StoreUnavailableError(StoreError):
    """The store's server could not be reached, or dropped the connection (a restart,
    a deadlock victim): the write was rolled back, and the same write may succeed if
    retried."""


class DriftError(PipewardenError):
    """Two profiles cannot be compared."""


class PipewardenWarning(UserWarning):
    """A soft problem: something was ignored or assumed."""


class AlertError(PipewardenError):
    """An alert cannot make the transition asked for (e.g. acknowledging a resolved one)."""


class AuthError(PipewardenError):
    """A request to the server's write routes lacks the right bearer token."""
