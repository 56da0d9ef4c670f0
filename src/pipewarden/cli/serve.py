"""pipewarden serve [--store URL] [--host 127.0.0.1] [--port 8765] [--token-file F]
[--insecure] [--max-body-mb N] [--column-metrics DATASET]... [--background-seconds S]"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.markup import escape

from pipewarden.cli import _options as opt
from pipewarden.cli._output import err
from pipewarden.errors import ConfigError


def serve_command(
    store: opt.Store = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    token_file: Annotated[
        str | None,
        typer.Option(
            "--token-file",
            help="File holding the token write routes need (default: "
            "PIPEWARDEN_TOKEN).",
        ),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Accept writes without a token (local trials only; every page says so).",
        ),
    ] = False,
    max_body_mb: Annotated[
        float, typer.Option("--max-body-mb", help="Largest request body, in MiB.")
    ] = 64.0,
    column_metrics: Annotated[
        list[str] | None,
        typer.Option(
            "--column-metrics",
            help="Dataset whose per-column null rates and drift scores /metrics "
            "exposes (repeat for more).",
        ),
    ] = None,
    background_seconds: Annotated[
        float,
        typer.Option(
            "--background-seconds",
            help="How often overdue alerts escalate and notifications are sent "
            "(0: never).",
        ),
    ] = 30.0,
) -> None:
    """Serve the REST API, /metrics and the dashboard over the store."""
    import uvicorn

    from pipewarden.server.app import create_app
    from pipewarden.server.memory import limit_malloc_arenas
    from pipewarden.server.settings import ServerSettings, read_token

    # Before uvicorn starts its worker threads: one arena each grows the memory
    # under steady load (server/memory.py). `pipewarden serve` from the shell has
    # done so already, before Polars was imported (cli.main); this covers the
    # command called in-process.
    limit_malloc_arenas()

    if not 0 < port < 65536:
        raise ConfigError(f"--port must be between 1 and 65535, not {port}.")
    token = read_token(token_file, os.environ)
    settings = ServerSettings(
        store_url=opt.settings(store).store_url,
        token=token,
        insecure=insecure,
        max_body_bytes=int(max_body_mb * 1024 * 1024),
        column_metrics=frozenset(column_metrics or ()),
        background_seconds=background_seconds,
        environ=dict(os.environ),
    )
    app = create_app(settings)
    if settings.token is None:
        err.print(
            "[bold yellow]warning:[/] insecure mode: writes need no token. Use it for "
            "local trials only.",
            soft_wrap=True,
        )
    err.print(
        f"pipewarden serving {escape(app.state.store.url)} on http://{host}:{port}/ "
        "(API docs at /docs, metrics at /metrics). Ctrl-C stops it.",
        soft_wrap=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
