"""Shared, versioned reference sets: the one workflow behind ``pw.references``,
``pipewarden references ...`` and every ``ref:NAME[@VERSION]`` reference.

``add_reference`` profiles the data (the rows are never stored), checks it against a
contract when one is given, and keeps the profile as the next version of the named
set, with its input fingerprints, who added it and when. Everyone on the same store
sees the same versions. ``resolve_reference`` turns ``ref:NAME`` (newest) or
``ref:NAME@VERSION`` into the stored profile, wherever a reference is accepted.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import load_contract
from pipewarden.errors import ConfigError
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.store.reference_records import ReferenceSummary, ReferenceVersion
from pipewarden.workflows._store import opened_store

if TYPE_CHECKING:
    from pipewarden.pipelines.reference_diff import ReferenceDiffReport
    from pipewarden.store.base import Store

__all__ = [
    "REF_PREFIX",
    "add_reference",
    "diff_references",
    "get_reference",
    "is_reference_set",
    "list_references",
    "parse_reference",
    "resolve_reference",
]

REF_PREFIX = "ref:"
"""A reference written ``ref:NAME`` or ``ref:NAME@VERSION`` is a stored reference set."""
USER_VARIABLE = "PIPEWARDEN_USER"
"""Who adds a version: this variable, else the login name."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,254}")


def add_reference(
    name: str,
    data: Any,
    *,
    note: str | None = None,
    contract: Contract | str | Path | None = None,
    store: Store | str | None = None,
    user: str | None = None,
    environ: Mapping[str, str] | None = None,
    query: str | None = None,
    engine: str = "local",
    memory_budget: int | None = None,
    now: datetime | None = None,
) -> ReferenceVersion:
    """Keep the profile of ``data`` as the next version of reference set ``name``.

    Args:
        name: The reference set (letters, digits, ``._/-``; no ``@``).
        data: The reference data (a path, glob, URL, frame) or its profile.
        note: Free text kept with the version (what changed, why).
        contract: A Contract or contract path the data is checked against; its name,
            digest and the check's status are kept with the version.
        store: A Store, a store URL, or None for the default store.
        user: Who adds it (default: ``PIPEWARDEN_USER``, else the login name).
        environ: Variables read for the user (default: ``os.environ``).
        query: SQL query, when ``data`` is a database URL.
        engine: Compute engine name: ``local`` or ``spark``.
        memory_budget: Bytes profiling may hold at its peak (default 1 GiB).
        now: When it is added (default: now, UTC).

    Returns:
        The stored version, numbered by the store.

    Raises:
        ConfigError: A bad name.
        SourceError: The data cannot be read.

    Example:
        >>> import pipewarden as pw
        >>> pw.references.add("validation", "valid.parquet", note="Q3 refresh")  # doctest: +SKIP
    """
    _check_name(name)
    profile, status, contract_name, digest = _profiled(
        data, contract, query=query, engine=engine, memory_budget=memory_budget
    )
    inputs = _inputs(data, query)
    summary = ReferenceSummary(
        name=name,
        version=0,
        rows=profile.rows,
        columns=len(profile.columns),
        added_at=now or datetime.now(UTC),
        added_by=user or _user(environ),
        note=note or None,
        contract_name=contract_name,
        contract_digest=digest,
        status=status,
    )
    with opened_store(store) as opened:
        return opened.add_reference(ReferenceVersion(summary, profile, inputs))


def list_references(
    name: str | None = None, *, store: Store | str | None = None
) -> list[ReferenceSummary]:
    """Every version of every reference set (or of one), by name then version."""
    with opened_store(store) as opened:
        return opened.list_references(name)


def get_reference(
    reference: str, version: int | None = None, *, store: Store | str | None = None
) -> ReferenceVersion:
    """A stored version: ``NAME`` (newest), ``NAME@VERSION`` or ``ref:...``.

    Raises:
        ConfigError: A malformed name or version.
        RecordNotFoundError: No such reference set or version.
    """
    name, written = parse_reference(reference)
    if version is not None and written is not None and version != written:
        raise ConfigError(
            f"'{reference}' names version {written} but version={version} was "
            "passed. Give the version once."
        )
    with opened_store(store) as opened:
        return opened.get_reference(name, written if version is None else version)


def diff_references(
    a: str, b: str, *, store: Store | str | None = None
) -> ReferenceDiffReport:
    """What changed from version ``a`` to version ``b`` (each ``NAME[@VERSION]``)."""
    from pipewarden.pipelines.reference_diff import diff_references as diff

    with opened_store(store) as opened:
        return diff(get_reference(a, store=opened), get_reference(b, store=opened))


def is_reference_set(value: Any) -> bool:
    """Whether a reference argument names a stored reference set (``ref:...``)."""
    return isinstance(value, str) and value.startswith(REF_PREFIX)


def parse_reference(text: str) -> tuple[str, int | None]:
    """``ref:NAME@3``, ``NAME@3`` or ``NAME`` -> (name, version or None).

    Raises:
        ConfigError: An empty or malformed name, or a version that is not a
            positive whole number.
    """
    body = text.removeprefix(REF_PREFIX)
    name, sep, version = body.partition("@")
    _check_name(name, given=text)
    if not sep:
        return name, None
    if not version.isdigit() or int(version) < 1:
        raise ConfigError(
            f"'{text}' has version '{version}'; a version is a whole number from 1, "
            f"e.g. {REF_PREFIX}{name}@1."
        )
    return name, int(version)


def resolve_reference(text: str, store: Store) -> tuple[DatasetProfile, str]:
    """The stored profile that ``ref:NAME[@VERSION]`` names, and the exact label
    (``ref:NAME@VERSION``) runs keep, so the newest version is pinned where used.

    Raises:
        RecordNotFoundError: No such reference set or version.
    """
    name, version = parse_reference(text)
    found = store.get_reference(name, version)
    return found.profile, f"{REF_PREFIX}{found.label}"


def _check_name(name: str, *, given: str | None = None) -> None:
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"'{given or name}' is not a reference set name: use letters, digits and "
            "._/- (at most 255, starting with a letter or digit), then @VERSION if "
            "you mean a version, e.g. ref:validation@2."
        )


def _profiled(
    data: Any,
    contract: Contract | str | Path | None,
    *,
    query: str | None,
    engine: str,
    memory_budget: int | None,
) -> tuple[DatasetProfile, str | None, str | None, str | None]:
    """The data's profile (with the contract's segment profiles, so a check with
    segments finds against the stored version what it finds against the data) and,
    with a contract, the status of its checks on that profile, the contract's name
    and digest."""
    from pipewarden.workflows.profile import as_profile

    spec = None
    if contract is not None:
        spec = contract if isinstance(contract, Contract) else load_contract(contract)
    segments = list(spec.dataset.segments) if spec is not None else []
    prof = as_profile(
        data,
        query=query,
        engine=engine,
        memory_budget=memory_budget,
        segments=segments or None,
    )
    if spec is None or contract is None:
        return prof, None, None, None
    from pipewarden.workflows.check import check_batch

    result = check_batch(prof, contract, record=False).result
    return prof, result.status, result.contract, spec.digest


def _inputs(data: Any, query: str | None) -> tuple[Any, ...]:
    if isinstance(data, DatasetProfile):
        return ()
    from pipewarden.io.fingerprints import fingerprint_inputs

    return tuple(fingerprint_inputs(data, query=query))


def _user(environ: Mapping[str, str] | None) -> str:
    import os

    variables = os.environ if environ is None else environ
    named = variables.get(USER_VARIABLE)
    if named:
        return named
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
