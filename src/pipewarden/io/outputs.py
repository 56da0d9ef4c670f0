"""Write output files safely: beside the target, then renamed into place in one step.

A run interrupted while writing leaves the previous file (or none), never half of one.
:func:`files_read_by` and :func:`same_file` let a command refuse an output that is one
of its inputs before it reads anything.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from pipewarden.errors import SourceError

__all__ = ["files_read_by", "same_file", "write_atomically"]


def write_atomically(
    path: str | os.PathLike[str], write: Callable[[Path], None]
) -> Path:
    """Write a file through ``write(temporary)`` and rename it over ``path``.

    The temporary file sits in the target's folder (so the rename is atomic), and
    is removed if writing fails or is interrupted. A file replaced keeps its
    permissions; a symbolic link is followed, so the file it points at is replaced.

    Args:
        path: The file to write; missing folders are created.
        write: Writes the content to the path it is given.

    Returns:
        The file written.

    Raises:
        OSError: The folder or the file cannot be written.
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        write(temporary)
        if target.is_file():
            shutil.copymode(target, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def files_read_by(source: str) -> tuple[Path, ...]:
    """The local files a source names: a path, directory, glob, file:// or SQLite URL.

    Other URLs (PostgreSQL, HTTP) name no local file, and give an empty tuple; so does
    a path where nothing is yet.
    """
    from pipewarden.io._files import path_text, resolve_files  # _files reads formats

    text = _sqlite_path(source) if source.lower().startswith("sqlite:") else source
    if text is None:
        return ()
    try:
        local = path_text(text)
    except SourceError:
        return ()
    if "://" in local:
        return ()
    try:
        found = resolve_files(local).files
    except (SourceError, OSError):
        found = ()
    return (Path(local), *found) if Path(local) not in found else found


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same inode if both exist, else one path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:///path`` URL, or None when in memory."""
    rest = url.split(":", 1)[1].removeprefix("//").split("?", 1)[0]
    path = unquote(rest[1:]).removeprefix("file:") if rest.startswith("/") else ""
    return path if path and path != ":memory:" else None
