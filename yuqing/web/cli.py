"""``yuqing serve``: run the web app.

Listens on ``web.host``:``web.port`` (127.0.0.1:8080 by default; put a
reverse proxy with HTTPS in front for an office network) with waitress, a
production WSGI server; ``--debug`` runs Werkzeug's development server
instead (tracebacks in the log, never the interactive debugger). The session key
comes from the variable named by ``web.secret_key_env``, else a random key is
generated once and kept in the data directory with 0600 permissions.
"""
from __future__ import annotations

import click

from yuqing.cli import pass_state


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: web.host).")
@click.option("--port", default=None, type=int, help="Port (default: web.port).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads of the server.")
@click.option("--debug", is_flag=True, help="Werkzeug's development server instead of waitress (for development).")
@pass_state
def serve(state, host: str | None, port: int | None, threads: int, debug: bool) -> None:
    """Serve the monitors' web app (预警队列) with a production WSGI server (waitress).

    Behind the office's HTTPS reverse proxy, set notifications.base_url to its
    https:// address (the session cookie is then Secure); the proxy's
    X-Forwarded-Proto and X-Forwarded-For are trusted only from 127.0.0.1.
    """
    from yuqing.web import create_app

    dep = state.deployment()
    cfg = dep.config
    app = create_app(dep)
    host = host or cfg.web.host
    port = port or cfg.web.port
    if debug:
        from werkzeug.serving import run_simple

        click.echo(f"yuqing web app (development server) on http://{host}:{port}/ (Ctrl-C to stop)")
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
        return
    from waitress import serve as waitress_serve

    click.echo(f"yuqing web app on http://{host}:{port}/ (waitress, {threads} threads; Ctrl-C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="yuqing",
                   trusted_proxy="127.0.0.1", trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-for"},
                   clear_untrusted_proxy_headers=True)
