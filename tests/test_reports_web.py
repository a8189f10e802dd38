"""The report archive in the web app: listed, opened and downloaded by the roles that may read reports, and no one else."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from werkzeug.security import generate_password_hash

from conftest import make_config
from yuqing.alerts import permissions as perm
from yuqing.reports.digest import write_digest
from yuqing.reports.monthly import write_monthly
from yuqing.deployment import Deployment
from yuqing.domain import Role
from yuqing.models import Base, User
from yuqing.store import PostRecord, post_key

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "report-pass-1"
USERS = [{"username": f"u-{r.value}", "name": r.label, "role": r.value} for r in Role]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("reports-web")
    dep = Deployment.open(make_config(tmp_path, users=USERS))
    Base.metadata.create_all(dep.engine)
    with dep.sessions() as s, s.begin():
        for u in s.query(User):
            u.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # fast, for tests
    t = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
    dep.posts.add([PostRecord(key=post_key("web:1"), source="county-news", kind="news", url="https://x.cn/1.html",
                              title="<b>城关镇</b>拆迁补偿", published_at=t, relevant=True, topic="征地拆迁", level=2)])
    digest = write_digest(dep, date(2026, 11, 20), now=datetime(2026, 11, 21, 2, 0, tzinfo=TZ),
                          scheduled_for=datetime(2026, 11, 20, 17, 0, tzinfo=TZ), generated_by="scheduler")
    monthly = write_monthly(dep, "2026-10", now=datetime(2026, 11, 1, 8, 0, tzinfo=TZ))
    from yuqing.web import create_app

    app = create_app(dep, testing=True)
    yield app, dep, digest, monthly
    dep.close()


def login(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:300]


READERS = {r.value for r in perm.roles_with(perm.VIEW_REPORTS)}


def test_readers_are_the_office_leaders_analysts_admins():
    assert {"office", "leader", "analyst", "admin"} <= READERS and "commentator" not in READERS


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_archive_by_role(site, role):
    app, dep, digest, monthly = site
    client = app.test_client()
    login(client, f"u-{role}")
    urls = ["/reports/", f"/reports/{digest.record_id}", f"/reports/{digest.record_id}/html", f"/reports/{digest.record_id}/docx"]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == (200 if role in READERS else 403), (role, url)
    queue = client.get("/").get_data(as_text=True)
    assert ('href="/reports/"' in queue) == (role in READERS)  # the menu shows the link only to readers


def test_archive_lists_opens_and_downloads(site):
    app, dep, digest, monthly = site
    client = app.test_client()
    login(client, "u-office")
    page = client.get("/reports/").get_data(as_text=True)
    assert "舆情日报" in page and "2026-11-20" in page and "舆情月报" in page and "2026-10" in page
    assert "补发" in page and "定时" in page
    only_monthly = client.get("/reports/?kind=monthly").get_data(as_text=True)
    assert "2026-10" in only_monthly and "2026-11-20" not in only_monthly

    detail = client.get(f"/reports/{digest.record_id}").get_data(as_text=True)
    assert "补发：本期日报原定于 11月20日 17:00 生成" in detail and "相关信息" in detail

    html = client.get(f"/reports/{digest.record_id}/html")
    assert html.mimetype == "text/html"
    body = html.get_data(as_text=True)
    assert "云溪县舆情日报" in body and "&lt;b&gt;城关镇&lt;/b&gt;拆迁补偿" in body and "<b>城关镇</b>" not in body
    csp = html.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "script-src" not in csp and "default-src 'none'" in csp

    docx = client.get(f"/reports/{digest.record_id}/docx")
    assert docx.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in docx.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in docx.headers["Content-Disposition"]  # 云溪县舆情日报-2026-11-20.docx
    with zipfile.ZipFile(io.BytesIO(docx.get_data())) as z:
        assert "word/document.xml" in z.namelist()
        assert "城关镇" in z.read("word/document.xml").decode("utf-8")

    assert client.get("/reports/9999").status_code == 404
    assert client.get("/reports/9999/docx").status_code == 404

    # a file removed from disk: the page says so, the link 404s
    gone = write_digest(dep, date(2026, 11, 19), dep.data_dir / "gone", now=datetime(2026, 11, 21, 2, 0, tzinfo=TZ))
    gone.html.unlink()
    assert "HTML 文件已不存在" in client.get(f"/reports/{gone.record_id}").get_data(as_text=True)
    assert client.get(f"/reports/{gone.record_id}/html").status_code == 404
    assert client.get(f"/reports/{gone.record_id}/docx").status_code == 200


def test_archive_needs_login(site):
    app, *_ = site
    resp = app.test_client().get("/reports/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
