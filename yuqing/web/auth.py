"""Login, logout and the one decorator that guards every view.

Every request without a logged-in user is refused before any view runs: a
page request is redirected to the login page (no data), a JSON request under
``/api/`` gets 401. ``@requires(permission)`` then checks the user's role
against :mod:`yuqing.alerts.permissions` (403 when it is missing). A session
holds the user id and a fingerprint of the password hash, so changing a
password or deactivating a user ends their sessions.

Failed logins are kept in the database (``login_failures``), so the throttle
holds across every worker process and restarts: five failures for one
username from one address in five minutes lock that pair out, twenty for one
username from anywhere lock the username (a guess spread over many addresses).
"""
from __future__ import annotations

import hashlib
import unicodedata
from datetime import timedelta
from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash

from yuqing import audit
from yuqing.alerts import permissions as perm
from yuqing.models import LoginFailure, User, utcnow

bp = Blueprint("auth", __name__)

#: endpoints anyone may reach
PUBLIC_ENDPOINTS = {"auth.login", "static"}

#: failures of one username from one address, and of one username from anywhere, within the window
MAX_FAILURES = 5
MAX_FAILURES_ANY_ADDRESS = 20
LOCK_WINDOW = timedelta(minutes=5)
#: failed logins older than this are deleted
KEEP_FAILURES = timedelta(days=1)


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def install(app) -> None:
    @app.before_request
    def _load_user():
        g.user = None
        uid = session.get("uid")
        if uid is not None:
            user = g.db.get(User, uid)
            if user is not None and user.active and user.password_hash and session.get("fp") == _fingerprint(user):
                g.user = user
            else:
                session.clear()
        if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
            if _wants_json():
                return jsonify(error="未登录", login=url_for("auth.login")), 401
            if request.method == "GET":
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            return redirect(url_for("auth.login"))
        return None

    @app.context_processor
    def _inject():
        user = g.get("user")
        return {"current_user": user, "can": (lambda p: user is not None and perm.user_can(user, p)), "P": perm}

    @app.errorhandler(403)
    def _forbidden(e):
        if _wants_json():
            return jsonify(error="无权访问"), 403
        return render_template("error.html", code=403, title="无权访问",
                               message=getattr(e, "description", None) or "您的角色无权进行此操作。"), 403

    @app.errorhandler(404)
    def _not_found(e):
        if _wants_json():
            return jsonify(error="不存在"), 404
        return render_template("error.html", code=404, title="页面不存在", message="您要找的页面或记录不存在。"), 404

    @app.errorhandler(400)
    def _bad_request(e):
        if _wants_json():
            return jsonify(error="请求无效"), 400
        desc = getattr(e, "description", "") or ""
        msg = "页面已过期或表单校验失败，请刷新页面后重试。" if "CSRF" in desc else "请求无效。"
        return render_template("error.html", code=400, title="请求无效", message=msg), 400


def requires(permission: str | None = None) -> Callable:
    """Guard a view: a logged-in user holding ``permission`` (any logged-in user when None)."""
    if permission is not None and permission not in perm.LABELS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = g.get("user")
            if user is None:
                if _wants_json():
                    return jsonify(error="未登录"), 401
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if permission is not None and not perm.user_can(user, permission):
                abort(403, description=f"{user.username}（{perm.role_of(user).label if perm.role_of(user) else '未知角色'}）无权{perm.LABELS[permission]}。")
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _safe_next(target: str | None) -> str:
    r"""Where to go after logging in: a path on this site, else the queue.

    The target is first normalised the way a browser reads a ``Location``:
    control characters (a browser drops tabs and newlines inside a URL, so
    ``/\t/evil.example/`` would become ``//evil.example/``) and whitespace are
    removed. What remains must be a path of its own: no scheme, no host, not
    ``//`` or ``/\`` and no backslash anywhere (browsers read one as ``/``).
    """
    default = url_for("alerts.queue_page")
    if not target:
        return default
    cleaned = "".join(ch for ch in target if not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")))
    if not cleaned.startswith("/") or cleaned.startswith("//") or "\\" in cleaned:
        return default
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return cleaned


def _throttled(db, username: str, ip: str) -> bool:
    since = utcnow() - LOCK_WINDOW
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.username == username,
                                                                  LoginFailure.at >= since)
    if db.scalar(recent.where(LoginFailure.ip == ip)) >= MAX_FAILURES:
        return True
    return db.scalar(recent) >= MAX_FAILURES_ANY_ADDRESS


def _failed(db, username: str, ip: str) -> None:
    now = utcnow()
    db.add(LoginFailure(at=now, username=username, ip=ip))
    db.execute(delete(LoginFailure).where(LoginFailure.at < now - KEEP_FAILURES))
    db.commit()


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.get("user") is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    nxt = request.form.get("next") or ""
    who, ip = username.lower()[:40], (request.remote_addr or "")[:45]
    if _throttled(g.db, who, ip):
        flash("登录失败次数过多，请五分钟后再试。", "error")
        return render_template("login.html", next=nxt, username=username), 429
    user = g.db.scalar(select(User).where(User.username == username)) if username else None
    if user is None or not user.active or not user.password_hash or not check_password_hash(user.password_hash, password):
        _failed(g.db, who, ip)
        flash("用户名或密码错误。", "error")
        return render_template("login.html", next=nxt, username=username), 401
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["fp"] = _fingerprint(user)
    audit.record(g.db, user.username, "user.login", user, ip=request.remote_addr)
    g.db.commit()
    return redirect(_safe_next(nxt), 303)


@bp.post("/logout")
@requires()
def logout():
    user = g.user
    audit.record(g.db, user.username, "user.logout", user)
    g.db.commit()
    session.clear()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"), 303)


__all__ = ["bp", "requires", "install", "PUBLIC_ENDPOINTS"]
