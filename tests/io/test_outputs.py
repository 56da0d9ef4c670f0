"""Output files are written whole or not at all; the files a source reads are known."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipewarden.io.outputs import files_read_by, same_file, write_atomically


def _half_then(error: BaseException) -> object:
    def write(path: Path) -> None:
        path.write_text("half of the ")
        raise error

    return write


@pytest.mark.parametrize("error", [OSError(28, "No space left"), KeyboardInterrupt()])
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "out.json"
    target.write_text("yesterday's whole file")

    with pytest.raises(type(error)):
        write_atomically(target, _half_then(error))  # type: ignore[arg-type]

    assert target.read_text() == "yesterday's whole file"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_symbolic_link_keeps_pointing_at_the_file_written(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)

    write_atomically(link, lambda path: path.write_text("new"))

    assert link.is_symlink()
    assert real.read_text() == "new"


@pytest.mark.parametrize(
    ("source", "files"),
    [
        ("sqlite:///rel/s.db", ("rel/s.db",)),
        ("sqlite:////abs/s.db", ("/abs/s.db",)),
        ("sqlite:///file:rel/s.db?mode=ro&uri=true", ("rel/s.db",)),
        ("sqlite://", ()),
        ("sqlite:///:memory:", ()),
        ("postgresql+psycopg://user@host/db", ()),
        ("https://example.com/data.csv", ()),
        ("missing.csv", ("missing.csv",)),
    ],
)
def test_files_read_by_a_source(source: str, files: tuple[str, ...]) -> None:
    assert files_read_by(source) == tuple(Path(f) for f in files)


def test_a_directory_reads_its_parquet_files(tmp_path: Path) -> None:
    for name in ("b.parquet", "a.parquet"):
        pl.DataFrame({"x": [1]}).write_parquet(tmp_path / name)

    assert files_read_by(str(tmp_path)) == (
        tmp_path,
        tmp_path / "a.parquet",
        tmp_path / "b.parquet",
    )


def test_same_file_follows_links_and_paths(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n")
    (tmp_path / "link.csv").symlink_to(tmp_path / "a.csv")

    assert same_file(tmp_path / "link.csv", tmp_path / "a.csv")
    assert same_file(tmp_path / "new.csv", tmp_path / "sub" / ".." / "new.csv")
    assert not same_file(tmp_path / "a.csv", tmp_path / "new.csv")
