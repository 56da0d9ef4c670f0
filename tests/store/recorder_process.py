"""A separate process that records runs, for the concurrency and crash-safety tests.

    python recorder_process.py URL DATASET COUNT [--pause-in-transaction AT]

Prints ``recorded <run id>`` after each committed run. With
``--pause-in-transaction AT``, run number AT stops inside its transaction (after its
run row, before its metric points), prints ``paused <run id>`` and sleeps, waiting to
be killed.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from pipewarden.store import open_store
from pipewarden.workflows.record import record_run
from store_helpers import (
    CODE,
    T0,
    WARNING,
    database_of,
    frame,
    make_fingerprint,
    profile_of,
    result_for,
)

FINDINGS = (WARNING,)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("dataset")
    parser.add_argument("count", type=int)
    parser.add_argument("--pause-in-transaction", type=int, default=-1)
    args = parser.parse_args()

    prof = profile_of(frame(50, null_every=7))
    fingerprint = make_fingerprint()
    state: dict[str, Any] = {"run": None, "pause": False}
    with open_store(args.url) as store:

        def maybe_pause(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            if state["pause"] and statement.lstrip().upper().startswith(
                "INSERT INTO METRICS"
            ):
                print(f"paused {state['run']}", flush=True)
                time.sleep(120)

        event.listen(database_of(store), "before_cursor_execute", maybe_pause)
        for i in range(args.count):
            state["pause"] = i == args.pause_in_transaction
            state["run"] = f"#{i}"
            run = record_run(
                store,
                result_for(prof, *FINDINGS, dataset=args.dataset),
                profile=prof,
                environ={},
                environment=fingerprint,
                code=CODE,
                started_at=T0 + timedelta(seconds=i),
            )
            print(f"recorded {run.id}", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
