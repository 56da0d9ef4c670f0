"""A separate process that adds versions of one reference set, for the test that two
engineers adding at once get distinct versions.

    python reference_adder_process.py URL NAME COUNT GO_FILE TAG

Opens the store and profiles its data first, waits until GO_FILE exists (so both
processes start adding at the same moment), then adds COUNT versions and prints
``added <version>`` after each.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipewarden.store import open_store
from pipewarden.workflows.references import add_reference
from store_helpers import frame, profile_of


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("url", "name", "count", "go", "tag"):
        parser.add_argument(name)
    args = parser.parse_args()
    prof = profile_of(frame(40))
    with open_store(args.url) as store:
        store.list_references()  # connected before the start
        deadline = time.monotonic() + 120
        while not Path(args.go).exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        for i in range(int(args.count)):
            added = add_reference(
                args.name, prof, note=f"{args.tag}-{i}", user=args.tag, store=store
            )
            print(f"added {added.version}", flush=True)


if __name__ == "__main__":
    main()
