"""Shared, versioned reference sets, as ``pw.references``.

Example:
    >>> import pipewarden as pw
    >>> v = pw.references.add("validation", "valid.parquet", note="Q3")  # doctest: +SKIP
    >>> pw.check("batch.parquet", "contract.yaml", reference="ref:validation@1",
    ...          store=".pipewarden/pipewarden.db")  # doctest: +SKIP
    >>> [s.label for s in pw.references.list()]  # doctest: +SKIP
    >>> pw.references.get("validation@1").profile  # doctest: +SKIP

The functions are those of ``pipewarden.workflows.references``, under short names.
"""

from __future__ import annotations

from pipewarden.workflows.references import add_reference as add
from pipewarden.workflows.references import diff_references as diff
from pipewarden.workflows.references import get_reference as get
from pipewarden.workflows.references import list_references as list

__all__ = ["add", "diff", "get", "list"]
