"""Tokens: compared in constant time, never in logs, error bodies or the dashboard."""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import _faults as faults

from pipewarden.server import auth


def test_a_real_server_never_shows_the_token(tmp_path: Path) -> None:
    result = faults.token_leaks(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
    assert result["writes_with_token"][:2] == [200, 200]
    assert result["writes_with_token"][2] == 404  # alert 999 does not exist
    assert set(result["writes_wrong_token"]) == {401}
    assert set(result["writes_no_token"]) == {401}
    assert result["token_in_answers"] == 0
    assert result["wrong_token_in_answers"] == 0
    assert result["token_in_log"] == 0
    assert result["wrong_token_in_log"] == 0
    assert result["log_lines"] >= 1  # the log was written (the start line)


def test_the_token_is_compared_in_constant_time() -> None:
    tree = ast.parse(textwrap.dedent(inspect.getsource(auth.Auth.check)))
    calls = {
        ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)
    }
    assert "hmac.compare_digest" in calls
    compares = [n for n in ast.walk(tree) if isinstance(n, ast.Compare)]
    # no == or != between the given token and the server's: only compare_digest
    assert not [
        ast.unparse(c)
        for c in compares
        if "_token" in ast.unparse(c) and "None" not in ast.unparse(c)
    ]
