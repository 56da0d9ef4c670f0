"""Builds pipewarden's one C module, the Theta hash (src/pipewarden/profiles/_murmur.c).

It is an accelerator, not a requirement: where no C compiler or Python headers are
found (or PIPEWARDEN_PURE_PYTHON=1 is set), the wheel is built without it, a warning
says so, and ``pipewarden.profiles.hashing`` computes the same hashes with numpy,
three to four times slower.
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

SOURCE = Path("src/pipewarden/profiles/_murmur.c")


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("PIPEWARDEN_PURE_PYTHON"):
            return
        root = Path(self.root)
        target = SOURCE.with_name("_murmur" + sysconfig.get_config_var("EXT_SUFFIX"))
        try:
            _compile(root / SOURCE, root / target)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(
                f"pipewarden: the C hash was not built ({exc}); "
                "profiles hash with numpy instead",
                file=sys.stderr,
            )
            return
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
