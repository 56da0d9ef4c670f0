"""The wheel: built with the C modules where a compiler is found, pure Python without.

Builds real wheels of this checkout with uv (which `make` installs into the venv) and
reads what they hold; hatch_build.py is the hook under test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).with_name("uv")

pytestmark = pytest.mark.skipif(not UV.exists(), reason="uv is not in this venv")


def _wheel(out: Path, **env: str) -> tuple[str, list[str]]:
    """Build an sdist of the checkout and a wheel from it, as an install from PyPI's
    sdist would: (the wheel's WHEEL metadata, the files it holds)."""
    done = subprocess.run(
        [str(UV), "build", "--out-dir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = next(n for n in names if n.endswith(".dist-info/WHEEL"))
        return zf.read(meta).decode(), names


def test_the_wheel_carries_the_c_modules_and_says_it_is_for_this_platform(
    tmp_path: Path,
) -> None:
    meta, names = _wheel(tmp_path)

    for module in (
        "pipewarden/profiles/_murmur.",
        "pipewarden/io/_jsonkeys.",
        "pipewarden/engines/_textstats.",
        "pipewarden/profiles/_kllcore.",
    ):
        built = [n for n in names if n.startswith(module)]
        assert any(n.endswith((".so", ".pyd")) for n in built), (module, built)
    assert "Root-Is-Purelib: false" in meta and "py3-none-any" not in meta


def test_without_the_c_hash_the_wheel_is_pure_python(tmp_path: Path) -> None:
    meta, names = _wheel(tmp_path, PIPEWARDEN_PURE_PYTHON="1")

    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    assert "Tag: py3-none-any" in meta
    assert "pipewarden/profiles/hashing.py" in names  # numpy computes the hashes
    assert "pipewarden/io/_jsonl.py" in names  # JSON Lines read the checked way
    assert "pipewarden/engines/_text.py" in names  # None: Polars profiles free text
