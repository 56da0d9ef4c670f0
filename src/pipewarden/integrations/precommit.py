"""The pre-commit hook: check the staged data files against their contracts.

pre-commit runs ``python -m pipewarden.integrations.precommit FILE...`` with the
staged files that match the hook's ``files`` pattern. Which contract checks which
file is said in ``pipewarden-contracts.yaml`` at the repository root::

    fail_on: error                   # or warning (default: error)
    contracts:
      - files: "data/orders/*.csv"   # a glob, relative to the repository root
        contract: contracts/orders.yaml
        reference: data/orders/reference.parquet   # optional
      - files: "data/**/*.parquet"
        contract: contracts/events.yaml

The first rule whose glob matches a file checks it. A staged file no rule matches is
listed as not checked (the hook does not fail on it). Exit codes: 0 every checked
file passed, 1 a file failed its contract, 2 the configuration or a file is unusable
(a one-line message says what to do).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

import yaml

from pipewarden._text import counted
from pipewarden.checks.findings import CheckResult, Severity
from pipewarden.errors import ConfigError, PipewardenError
from pipewarden.workflows.check import check

__all__ = ["CONFIG", "Rule", "load_rules", "main", "run"]

CONFIG = "pipewarden-contracts.yaml"
FAIL_LEVELS = ("error", "warning")


@dataclass(frozen=True, slots=True)
class Rule:
    """Files matching ``files`` (a glob) are checked against ``contract``."""

    files: str
    contract: str
    reference: str | None = None

    def matches(self, path: str) -> bool:
        """Whether the glob matches the path (``*`` stays within a folder, ``**``
        crosses folders)."""
        return _glob_regex(self.files).fullmatch(path) is not None


@cache
def _glob_regex(glob: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*/|\*\*|\*|\?)", glob)
    table = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(table.get(p, re.escape(p)) for p in parts))


def load_rules(path: Path) -> tuple[list[Rule], Severity]:
    """The rules and the fail level of a ``pipewarden-contracts.yaml``.

    Raises:
        ConfigError: The file is missing, not YAML, or a rule lacks a key.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"Cannot read '{path}': {exc.strerror or exc}. Create it to say which "
            "contract checks which files (see pipewarden.integrations.precommit)."
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"'{path}' is not valid YAML: {exc}. Fix it.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("contracts"), list):
        raise ConfigError(
            f"'{path}' needs a 'contracts' list of {{files, contract}} entries."
        )
    fail_on = str(data.get("fail_on", "error"))
    if fail_on not in FAIL_LEVELS:
        raise ConfigError(
            f"fail_on in '{path}' must be 'error' or 'warning', not '{fail_on}'."
        )
    return [_rule(entry, path, i) for i, entry in enumerate(data["contracts"])], (
        Severity(fail_on)
    )


def _rule(entry: Any, path: Path, index: int) -> Rule:
    if (
        not isinstance(entry, dict)
        or not entry.get("files")
        or not entry.get("contract")
    ):
        raise ConfigError(
            f"Entry {index + 1} of 'contracts' in '{path}' needs 'files' (a glob) "
            "and 'contract' (a contract YAML)."
        )
    reference = entry.get("reference")
    return Rule(
        str(entry["files"]), str(entry["contract"]), reference and str(reference)
    )


def run(
    files: Sequence[str], *, config: Path, out: TextIO, root: Path | None = None
) -> int:
    """Check each file against the contract its rule names; the exit code.

    Args:
        files: Paths relative to the repository root (as pre-commit passes them).
        config: The ``pipewarden-contracts.yaml``.
        out: Where the one line per file (and its findings) is written.
        root: The folder the globs and contract paths are relative to (default:
            the config's folder).

    Returns:
        0 all checked files passed, 1 one failed at the fail level.
    """
    rules, fail_on = load_rules(config)
    base = root or config.parent
    failed = 0
    for name in files:
        posix = PurePosixPath(Path(name).as_posix()).as_posix()
        rule = next((r for r in rules if r.matches(posix)), None)
        if rule is None:
            out.write(f"SKIP  {name}: no rule in {config.name} matches it\n")
            continue
        reference = str(base / rule.reference) if rule.reference else None
        result = check(str(base / name), str(base / rule.contract), reference=reference)
        failed += bool(result.at_least(fail_on))
        _print(result, name, rule.contract, out)
    if failed:
        out.write(
            f"{counted(failed, 'file')} failed its contract at {fail_on.value} or "
            "worse.\n"
        )
    return 1 if failed else 0


def _print(result: CheckResult, name: str, contract: str, out: TextIO) -> None:
    out.write(f"{result.status.upper():5} {name} ({contract}): {result.rows:,} rows\n")
    for f in result.at_least(Severity.WARNING):
        where = f" {f.column}" if f.column else ""
        out.write(f"      {f.severity.value} {f.check}{where}: {f.message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """The hook's entry point: ``python -m pipewarden.integrations.precommit``."""
    parser = argparse.ArgumentParser(
        prog="pipewarden-precommit",
        description="Check data files against the contracts named in " + CONFIG,
    )
    parser.add_argument("files", nargs="*", help="Data files (pre-commit passes them)")
    parser.add_argument("--config", default=CONFIG, help=f"default: {CONFIG}")
    args = parser.parse_args(argv)
    try:
        return run(args.files, config=Path(args.config), out=sys.stdout)
    except PipewardenError as exc:
        sys.stderr.write(f"pipewarden: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
