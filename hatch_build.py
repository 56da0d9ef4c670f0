"""Builds pipewarden's C modules: the Theta hash (src/pipewarden/profiles/_murmur.c),
the JSON Lines key check (src/pipewarden/io/_jsonkeys.c), the free-text statistics and
text value counts (src/pipewarden/engines/_textstats.c) and the KLL compaction
(src/pipewarden/profiles/_kllcore.c). Each is compiled on its own; all but the key check
include src/pipewarden/_native.h, the code they share (reading Python buffers and
Arrow string views), which an sdist must therefore carry.

They are accelerators, not requirements: where no C compiler or Python headers are
found (or PIPEWARDEN_PURE_PYTHON=1 is set), the wheel is built without them, a
warning says so, ``pipewarden.profiles.hashing`` computes the same hashes with numpy,
three to four times slower, JSON Lines files are read the checked way (every line's
types inferred before it is parsed), about twice as slow, free text is profiled
and text values counted with Polars expressions, a few times slower, and the KLL
sketches are compacted with numpy (the same sketches, a few milliseconds more a
chunk).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCES = (
    Path("src/pipewarden/profiles/_murmur.c"),
    Path("src/pipewarden/io/_jsonkeys.c"),
    Path("src/pipewarden/engines/_textstats.c"),
    Path("src/pipewarden/profiles/_kllcore.c"),
)


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("PIPEWARDEN_PURE_PYTHON"):
            return
        root = Path(self.root)
        for source in SOURCES:
            target = source.with_name(
                source.stem + sysconfig.get_config_var("EXT_SUFFIX")
            )
            try:
                _compile(root / source, root / target)
            except (OSError, subprocess.CalledProcessError) as exc:
                print(
                    f"pipewarden: {source.name} was not built ({exc}); "
                    "pipewarden works without it, more slowly",
                    file=sys.stderr,
                )
                continue
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            if version != "editable":  # an editable install imports it from src/
                build_data["force_include"][str(root / target)] = str(
                    target.relative_to("src")
                )


def _compile(source: Path, target: Path) -> None:
    """Compile and link ``source`` into the extension module ``target``."""
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    flags = shlex.split(sysconfig.get_config_var("CCSHARED") or "-fPIC")
    include = sysconfig.get_paths()["include"]
    command = [*compiler, *flags, "-O3", "-shared", f"-I{include}"]
    command += [str(source), "-o", str(target)]
    subprocess.run(command, check=True, capture_output=True)
