"""Static HTML reports: one self-contained page per check or drift result.

Example:
    >>> from pipewarden.report import render_report
    >>> html = render_report(result, current=prof, reference=ref)  # doctest: +SKIP
"""

from __future__ import annotations

from pipewarden.report.html import render_report

__all__ = ["render_report"]
