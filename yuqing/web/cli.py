"""``yuqing serve``: run the web app.

Listens on ``web.host``:``web.port`` (127.0.0.1:8080 by default; put a
reverse proxy with HTTPS in front for an office network). The session key
comes from the variable named by ``web.secret_key_env``, else a random key is
generated once and kept in the data directory with 0600 permissions.
"""
from __future__ import annotations

import click

from yuqing.cli import pass_state


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: web.host).")
@click.option("--port", default=None, type=int, help="Port (default: web.port).")
@click.option("--threads/--no-threads", default=True, show_default=True, help="Serve requests in threads.")
@pass_state
def serve(state, host: str | None, port: int | None, threads: bool) -> None:
    """Serve the monitors' web app (预警队列)."""
    from werkzeug.serving import run_simple

    from yuqing.web import create_app

    dep = state.deployment()
    cfg = dep.config
    app = create_app(dep)
    host = host or cfg.web.host
    port = port or cfg.web.port
    click.echo(f"yuqing web app on http://{host}:{port}/ (Ctrl-C to stop)")
    run_simple(host, port, app, threaded=threads, use_reloader=False, use_debugger=False)
