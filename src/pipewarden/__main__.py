"""python -m pipewarden: the command line."""

from __future__ import annotations

from pipewarden.cli import run

if __name__ == "__main__":
    run()
