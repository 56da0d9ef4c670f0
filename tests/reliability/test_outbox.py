"""The notification outbox while the receiver is down, across a server restart, and
with a receiver that hangs or answers 500: every notification delivered once the
receiver is back, none twice, each attempt bounded by the channel's timeout."""

from __future__ import annotations

from pathlib import Path

import _faults as faults


def test_receiver_down_then_server_restarted(store_url: str, tmp_path: Path) -> None:
    result = faults.outbox_down_and_restart(store_url, tmp_path, alerts=4)
    assert result["notifications"] == 4
    assert result["failed_attempts_while_down"] is True
    assert result["sent_while_down"] == 0
    assert result["delivered_after"] is True
    assert result["lost"] == 0 and result["doubled"] == 0
    assert result["exact"] is True  # the receiver got each event id once


def test_hanging_receiver_is_bounded_and_retried(store_url: str) -> None:
    result = faults.outbox_hang_and_500(store_url)
    hang = result["hang"]
    assert hang["sent"] == 0 and hang["retrying"] == 2
    assert all("no answer within 0.5 s" in e for e in hang["errors"])
    assert result["hang_pass_seconds"] < 2 * 0.5 + 3  # two attempts, each bounded
    assert result["waits_after_hang"] == [1.0]  # the channel's backoff
    assert result["alerts_recorded"] == 2  # recorded whatever the receiver does
    failed = result["http_500"]
    assert failed["retrying"] == 2 and all("HTTP 500" in e for e in failed["errors"])
    assert result["waits_after_500"] == [3.0]  # 1 s later + the doubled wait (2 s)
    assert result["sent"] == 2 and result["sent_again"] == 0
    assert result["exact"] is True
