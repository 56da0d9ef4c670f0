"""main(): Ctrl-C at any moment is one line and exit 130, never a traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipewarden import cli

STARTED = "import sys; print('started', file=sys.stderr, flush=True); "
CONSOLE_SCRIPT = STARTED + "from pipewarden.cli import run; run()"
"""What the ``pipewarden`` console script does, saying when Python has started."""


def _interrupted(command: list[str], *, wait_for_start: bool, after: float) -> str:
    """Run a command, send it SIGINT ``after`` seconds (from its start), return stderr."""
    process = subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PIPEWARDEN_")},
    )
    assert process.stderr is not None
    if wait_for_start:
        assert process.stderr.readline() == "started\n"
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    err = process.stderr.read()
    assert process.wait(timeout=60) == 130, err
    return err


@pytest.mark.parametrize(
    ("command", "wait_for_start", "after"),
    [
        ([sys.executable, "-m", "pipewarden"], False, 0.2),
        ([sys.executable, "-c", CONSOLE_SCRIPT], True, 0.3),
    ],
    ids=["python -m pipewarden", "console script"],
)
def test_ctrl_c_while_the_imports_run_is_one_line(
    tmp_path: Path, command: list[str], wait_for_start: bool, after: float
) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")

    err = _interrupted(
        [*command, "profile", str(data)], wait_for_start=wait_for_start, after=after
    )

    assert err == "Interrupted.\n"


def test_an_error_after_ctrl_c_is_reported_as_the_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A library that swallows the KeyboardInterrupt mid-import fails later (numpy
    once: "module 'numpy' has no attribute 'matrix'"); that is still Ctrl-C."""

    def half_imported(_args: list[str]) -> int:  # Ctrl-C is live by now
        with contextlib.suppress(KeyboardInterrupt):  # as the library did
            signal.raise_signal(signal.SIGINT)
        raise AttributeError("module 'numpy' has no attribute 'matrix'")

    monkeypatch.setattr(cli, "_main", half_imported)
    # A run started in the background (`cmd &` without job control) inherits
    # SIGINT ignored, and the CLI then leaves it so: start from Python's default.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert cli.main(["profile", "d.csv"]) == 130
        assert capsys.readouterr().err == "Interrupted.\n"
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)
