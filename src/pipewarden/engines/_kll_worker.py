"""A helper process that builds KLL sketches, so they do not hold this process's GIL.

Apache DataSketches' Python binding keeps the GIL while it sketches an array (about
40 ns a value): in a thread it stalls the Polars work of the next chunk. Large arrays
therefore go to one child process, run from this file's path (it imports only numpy
and datasketches, not pipewarden). The values travel through a memory-mapped file
(one copy, no pipe traffic); the pipes carry short commands:

    b"M" + uint64 length + path   map this file (the buffer grew)
    b"S" + uint64 n               sketch the first n float64 values of the buffer
    b"Q"                          end

and each "S" is answered by uint64 length + the serialised sketch. Anything that goes
wrong with the worker (it cannot start, dies, answers garbage) makes
``KllWorker.sketch`` raise ``WorkerError``; the caller then sketches in-process.
"""

from __future__ import annotations

import atexit
import mmap
import os
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

import numpy as np

K = 200
"""KLL accuracy parameter (the profile's KLL_K; checked equal by the tests)."""
_HEADER = struct.Struct("<Q")
READY = b"pw-kll-ready\n"


class WorkerError(RuntimeError):
    """The sketch worker is unavailable; sketch in this process instead."""


class KllWorker:
    """One child process, used by one thread at a time (requests are serialised)."""

    def __init__(self) -> None:
        try:
            self._proc = subprocess.Popen(
                # -P: this file's folder (pipewarden's engines) is not on its path.
                [sys.executable, "-P", str(Path(__file__).resolve())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_child_env(),
            )
        except OSError as exc:
            raise WorkerError(f"cannot start the sketch worker: {exc}") from exc
        self._lock = threading.Lock()
        self._ready = False
        self._buffer: mmap.mmap | None = None

    def sketch(self, values: np.ndarray) -> bytes:
        """The serialised KLL sketch of a float64 array."""
        with self._lock:
            stdin, stdout = self._proc.stdin, self._proc.stdout
            if stdin is None or stdout is None:  # pragma: no cover - pipes requested
                raise WorkerError("the sketch worker has no pipes")
            try:
                if not self._ready:
                    if stdout.readline() != READY:
                        raise WorkerError("the sketch worker did not start")
                    self._ready = True
                buffer = self._room(stdin, 8 * values.size)
                np.frombuffer(buffer, dtype="<f8", count=values.size)[:] = values
                stdin.write(b"S" + _HEADER.pack(values.size))
                stdin.flush()
                return _read_blob(stdout)
            except (OSError, ValueError, struct.error) as exc:
                raise WorkerError(f"the sketch worker failed: {exc}") from exc

    def _room(self, stdin: IO[bytes], size: int) -> mmap.mmap:
        """A shared buffer of at least ``size`` bytes (a new one when it must grow)."""
        if self._buffer is not None and len(self._buffer) >= size:
            return self._buffer
        capacity = max(size, 1 << 20)
        folder = "/dev/shm" if Path("/dev/shm").is_dir() else None
        fd, path = tempfile.mkstemp(prefix="pipewarden-kll-", dir=folder)
        try:
            os.ftruncate(fd, capacity)
            buffer = mmap.mmap(fd, capacity)
            encoded = os.fsencode(path)
            stdin.write(b"M" + _HEADER.pack(len(encoded)) + encoded)
            stdin.flush()
            if _read_blob(self._proc.stdout) != b"ok":  # type: ignore[arg-type]
                raise WorkerError("the sketch worker could not map its buffer")
        finally:
            os.close(fd)
            os.unlink(path)  # both sides keep their mappings
        if self._buffer is not None:
            self._buffer.close()
        self._buffer = buffer
        return buffer

    def close(self) -> None:
        """Ask the worker to end, and wait for it."""
        with self._lock:
            try:
                if self._proc.stdin is not None:
                    self._proc.stdin.write(b"Q")
                    self._proc.stdin.close()
                self._proc.wait(timeout=5)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                self._proc.kill()
            if self._buffer is not None:
                self._buffer.close()
                self._buffer = None


def _read_blob(stream: IO[bytes]) -> bytes:
    head = stream.read(_HEADER.size)
    if len(head) != _HEADER.size:
        raise WorkerError("the sketch worker ended")
    (size,) = _HEADER.unpack(head)
    blob = stream.read(size)
    if len(blob) != size:
        raise WorkerError("the sketch worker ended mid-answer")
    return blob


def _child_env() -> dict[str, str]:
    """The child finds numpy and datasketches where this process found them."""
    import os

    env = dict(os.environ)
    paths = [p for p in sys.path if p and Path(p).is_dir()]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


_shared: KllWorker | None = None
_shared_lock = threading.Lock()
_broken = False


def shared_worker() -> KllWorker | None:
    """The process-wide worker, started on first use; None once it has failed."""
    global _shared
    with _shared_lock:
        if _broken:
            return None
        if _shared is None:
            try:
                _shared = KllWorker()
            except WorkerError:
                _mark_broken()
                return None
            atexit.register(_shared.close)
        return _shared


def _mark_broken() -> None:
    global _broken, _shared
    _broken = True
    _shared = None


def give_up(worker: KllWorker) -> None:
    """Stop using a worker that failed (this process sketches from now on)."""
    with _shared_lock:
        _mark_broken()
    worker.close()


def _serve() -> None:  # pragma: no cover - runs in the child process
    import datasketches as ds

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(READY)
    stdout.flush()
    buffer: mmap.mmap | None = None

    def reply(blob: bytes) -> None:
        stdout.write(_HEADER.pack(len(blob)) + blob)
        stdout.flush()

    while True:
        command = stdin.read(1)
        if command in (b"", b"Q"):
            return
        head = stdin.read(_HEADER.size)
        if len(head) != _HEADER.size:
            return
        (n,) = _HEADER.unpack(head)
        if command == b"M":
            path = stdin.read(n)
            with open(path, "r+b") as handle:
                buffer = mmap.mmap(handle.fileno(), 0)
            reply(b"ok")
        elif command == b"S" and buffer is not None:
            sk = ds.kll_doubles_sketch(K)
            sk.update(np.frombuffer(buffer, dtype=np.float64, count=n))
            reply(sk.serialize())
        else:
            return


if __name__ == "__main__":  # pragma: no cover - the child process
    _serve()
