"""The monitors' web app (预警队列): Flask, server-rendered pages in Chinese.

``create_app(deployment)`` builds the app: login (werkzeug password hashes,
users in the database), CSRF protection on every POST, the permission table
of :mod:`yuqing.alerts.permissions` checked server-side by one decorator on
every view, Jinja autoescaping for all crawled text, a strict Content
Security Policy (no inline script). Pages: the queue, the alert page with its
actions, search over posts, the ledger (台账), the audit trail, the
notification log; the reports engineer's digest archive is registered from
``yuqing.web.reports`` when it is installed.
"""
from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect

log = logging.getLogger(__name__)

SECRET_FILE = "web-secret.key"


def secret_key(cfg) -> str:
    """The session signing key: from the environment variable, else a random key kept in data_dir (0600)."""
    env = os.environ.get(cfg.web.secret_key_env)
    if env:
        return env
    path = Path(cfg.data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32))
    log.info("generated a session key in %s", path)
    return path.read_text(encoding="ascii").strip()


def create_app(deployment, testing: bool = False) -> Flask:
    """The web app of one deployment."""
    from yuqing.alerts import base
    from yuqing.web import auth, format as fmt
    from yuqing.web.alerts import bp as alerts_bp
    from yuqing.web.api import bp as api_bp
    from yuqing.web.calibration import bp as calibration_bp
    from yuqing.web.records import bp as records_bp
    from yuqing.web.search import bp as search_bp
    from yuqing.web.situation import bp as situation_bp

    cfg = deployment.config
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(cfg),
        TESTING=testing,
        SESSION_COOKIE_NAME="yuqing_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # served behind HTTPS (the public address links point to): the browser never sends the session in clear
        SESSION_COOKIE_SECURE=urlsplit(cfg.notifications.base_url.strip()).scheme.lower() == "https",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.extensions["yuqing.deployment"] = deployment
    base.register(deployment)
    CSRFProtect(app)

    @app.before_request
    def _open_session():
        # the web app sends notifications from a background thread, so a dead mail server never holds a page
        g.db = base.open_session(deployment, background=not testing)
        g.deployment = deployment
        g.config = cfg

    @app.teardown_request
    def _close_session(exc):
        db = g.pop("db", None)
        if db is not None:
            if exc is not None:
                db.rollback()
            db.close()

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        )
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    fmt.install(app, cfg)
    auth.install(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(calibration_bp)
    app.register_blueprint(situation_bp)
    try:
        from yuqing.web.reports import bp as reports_bp  # the digest archive (reports engineer)
    except ImportError as e:
        if getattr(e, "name", None) not in ("yuqing.web.reports",):
            log.warning("reports pages not available: %s", e)
        reports_bp = None
    if reports_bp is not None:
        app.register_blueprint(reports_bp)
    app.config["YUQING_HAS_REPORTS"] = reports_bp is not None
    return app


__all__ = ["create_app", "secret_key"]
