"""Secrets never leak, TLS is verified, redirects are never followed, identifiers are validated."""

from __future__ import annotations

import ast
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import psycopg
import pytest
import trustme
from dotenv import dotenv_values
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from assetsync import exitcodes
from assetsync.config import PROJECT_DIR
from assetsync.fake_snipeit import FakeSnipeIT, Reply, RequestInfo, generate_assets
from tests.conftest import TOKEN, make_env, query
from tests.faults.harness import (
    EMPTY,
    NEW,
    OLD,
    Expect,
    Run,
    check,
    checksum,
    finish,
    start_scheduled_sync,
    sync,
)

PASSWORD = "Db-pa55word-" + uuid.uuid4().hex


# --- secrets in every artifact of a failing run -------------------------------------------------------


@pytest.fixture
def secret_dsns(db_dsn: str) -> Iterator[dict[str, str]]:
    """DSNs (key=value and URL forms, and each with a port nothing listens on) of a role that has a
    password and owns the test database."""
    role = f"sec_{uuid.uuid4().hex[:8]}"
    dbname = conninfo_to_dict(db_dsn)["dbname"]
    with psycopg.connect(db_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(PASSWORD)
            )
        )
    params = conninfo_to_dict(db_dsn)
    host, default_port = str(params.get("host", "")), params.get("port", 5432)

    def url(port: object) -> str:
        if host.startswith("/"):
            return f"postgresql://{role}:{PASSWORD}@/{dbname}?host={host}&port={port}"
        return f"postgresql://{role}:{PASSWORD}@{host}:{port}/{dbname}"

    try:
        keyvalue = make_conninfo(db_dsn, user=role, password=PASSWORD)
        yield {
            "keyvalue": keyvalue,
            "url": url(default_port),
            "keyvalue_wrong_port": make_conninfo(keyvalue, port="1"),
            "url_wrong_port": url(1),
        }
    finally:
        with psycopg.connect(db_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def artifacts(run: Run, dsn: str, log_dir: Path) -> str:
    """Everything a failing run leaves behind: console, --json, every log file, the run history."""
    parts = [run.stdout, run.stderr]
    parts += [p.read_text("utf-8", "replace") for p in log_dir.glob("*")] if log_dir.is_dir() else []
    if checksum(dsn) is not None:
        parts += [repr(r) for r in query(dsn, "SELECT error, details::text FROM snipeit.sync_runs")]
    return "\n".join(parts)


def assert_no_secret(text: str) -> None:
    for secret, name in ((TOKEN, "token"), (PASSWORD, "database password")):
        assert secret not in text, f"the {name} leaked"
        # Long fragments count too (a secret cut by a message limit, or split by a parser).
        for i in range(0, len(secret) - 12, 6):
            assert secret[i : i + 12] not in text, f"part of the {name} leaked: {secret[i : i + 12]!r}"


FAILURES: dict[str, Any] = {
    # Snipe-IT (or a proxy's debug page) echoes the request headers in its error body.
    "echoed-token": lambda f: f.fail_requests(
        400, times=-1, body={"message": f"bad header Bearer {f.token}"}
    ),
    "token-revoked": lambda f: setattr(f, "token", "another-token-entirely"),
    "server-error": lambda f: f.fail_requests(
        500, times=-1, body=f"<pre>Authorization: Bearer {f.token}</pre>"
    ),
    "html-with-token": lambda f: f.fail_requests(
        200, times=-1, body=f"<html>{f.token}</html>", headers={"Content-Type": "text/html"}
    ),
    "error-body": lambda f: f.fail_requests(
        200, times=-1, body={"status": "error", "messages": f"token {f.token} expired", "payload": None}
    ),
    "redirect-with-token": lambda f: f.fail_requests(
        302, times=-1, headers={"Location": f"https://sso.example.com/login?token={f.token}"}
    ),
}


@pytest.mark.parametrize("form", ["keyvalue", "url"])
@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_failing_runs_leak_no_secret(
    fake: FakeSnipeIT, db_dsn: str, tmp_path: Path, secret_dsns: dict[str, str], form: str, failure: str
) -> None:
    env = make_env(fake, secret_dsns[form], tmp_path / "logs", SNIPEIT_MAX_RETRIES="1")
    FAILURES[failure](fake)
    run = sync(env)
    assert run.exit_code == exitcodes.FAILED, run.describe()
    assert_no_secret(artifacts(run, db_dsn, tmp_path / "logs"))


@pytest.mark.parametrize("form", ["keyvalue", "url"])
def test_database_failures_leak_no_secret(
    fake: FakeSnipeIT, db_dsn: str, tmp_path: Path, secret_dsns: dict[str, str], form: str
) -> None:
    good, wrong_port = secret_dsns[form], secret_dsns[f"{form}_wrong_port"]
    for dsn in (wrong_port, good.replace(str(conninfo_to_dict(db_dsn)["dbname"]), "no_such_db")):
        run = sync(make_env(fake, dsn, tmp_path / "logs"))
        assert run.exit_code == exitcodes.FAILED, run.describe()
        assert "cannot connect to PostgreSQL" in run.log
        assert_no_secret(artifacts(run, db_dsn, tmp_path / "logs"))


def test_unreadable_database_url_is_a_config_error_that_quotes_nothing(
    fake: FakeSnipeIT, tmp_path: Path
) -> None:
    # A space in an unquoted password breaks the key=value form; the parser would quote the rest.
    dsn = f"host=/tmp user=sync password=Db-pa55 {PASSWORD} dbname=reporting"
    run = sync(make_env(fake, dsn, tmp_path / "logs"))
    assert run.exit_code == exitcodes.CONFIG, run.describe()
    assert "DATABASE_URL" in run.stderr
    assert_no_secret(run.text + "Db-pa55")  # the text itself, plus a marker that must not matter


def test_traceback_of_a_scheduled_run_leaks_no_secret(
    fake: FakeSnipeIT, db_dsn: str, tmp_path: Path, secret_dsns: dict[str, str]
) -> None:
    env = make_env(fake, secret_dsns["url"], tmp_path / "logs", SNIPEIT_MAX_RETRIES="0")
    # A list page that is not an object is a defect of Snipe-IT; the run logs a full traceback.
    fake.fail_requests(200, times=-1, body={"total": 1, "rows": [f"Bearer {TOKEN} {PASSWORD}"]})
    run = finish(start_scheduled_sync(env), env)
    assert run.exit_code == exitcodes.FAILED, run.describe()
    assert_no_secret(artifacts(run, db_dsn, tmp_path / "logs"))


# --- TLS --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_fake(ca: trustme.CA) -> Iterator[FakeSnipeIT]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with FakeSnipeIT(generate_assets(40, seed=4), token=TOKEN, ssl_context=context) as server:
        yield server


def test_tls_is_verified_by_default(tls_fake: FakeSnipeIT, db_dsn: str, tmp_path: Path) -> None:
    run = sync(make_env(tls_fake, db_dsn, tmp_path / "logs"))
    check(
        run,
        code=exitcodes.FAILED,
        says=("TLS verification", "SNIPEIT_CA_BUNDLE"),
        dsn=db_dsn,
        fake=tls_fake,
        state=OLD,
        before=EMPTY,
        recorded="failed",
    )
    assert not [r for r in tls_fake.requests if r.path.startswith("/api/")], (
        "the token went to an unverified host"
    )


# requests lets these environment variables override a session's `verify`; the settings must win.
OTHER_BUNDLES = {"REQUESTS_CA_BUNDLE": certifi.where(), "CURL_CA_BUNDLE": certifi.where()}


def test_custom_ca_bundle(tls_fake: FakeSnipeIT, db_dsn: str, tmp_path: Path, ca: trustme.CA) -> None:
    bundle = tmp_path / "private-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    run = sync(make_env(tls_fake, db_dsn, tmp_path / "logs", SNIPEIT_CA_BUNDLE=str(bundle), **OTHER_BUNDLES))
    check(run, code=0, says="Sync finished", dsn=db_dsn, fake=tls_fake, state=NEW, recorded="success")
    assert "WARNING" not in run.log


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verification_off_warns_on_every_run(tls_fake: FakeSnipeIT, db_dsn: str, tmp_path: Path) -> None:
    env = make_env(tls_fake, db_dsn, tmp_path / "logs", SNIPEIT_VERIFY_TLS="false", **OTHER_BUNDLES)
    for _ in range(2):
        run = sync(env)
        check(run, code=0, says="TLS certificate verification is OFF", dsn=db_dsn, fake=tls_fake, state=NEW)
        assert run.summary is not None and any("SNIPEIT_VERIFY_TLS" in w for w in run.summary["warnings"])
    details = query(db_dsn, "SELECT details->'warnings' FROM snipeit.sync_runs ORDER BY id")
    assert all("SNIPEIT_VERIFY_TLS" in str(d[0]) for d in details) and len(details) == 2


def test_plain_http_to_another_host_warns(fake: FakeSnipeIT, db_dsn: str, tmp_path: Path) -> None:
    # TEST-NET-1 never answers; the warning comes before the first request.
    env = make_env(
        fake,
        db_dsn,
        tmp_path / "logs",
        SNIPEIT_API_URL="http://192.0.2.1:9",
        SNIPEIT_CONNECT_TIMEOUT="0.3",
        SNIPEIT_MAX_RETRIES="0",
    )
    run = sync(env)
    assert run.exit_code == exitcodes.FAILED
    assert "uses http://: the API token travels unencrypted" in run.log


def test_plain_http_on_loopback_does_not_warn(fake: FakeSnipeIT, env: dict[str, str]) -> None:
    run = sync(env)
    assert run.exit_code == 0 and "unencrypted" not in run.log


# --- redirects ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_never_followed(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, status: int, expect: Expect
) -> None:
    assert sync(fenv).exit_code == 0
    before = checksum(db_dsn)
    fake.update(min(fake.live_ids()), name="Changed, never stored")
    with FakeSnipeIT([], token="other-host") as elsewhere:

        def bounce(r: RequestInfo) -> Reply | None:
            if r.pass_name == "Archived":
                return Reply(
                    status, "", headers={"Location": elsewhere.api_url + "/hardware?status=Archived"}
                )
            return None

        fake.add_hook(bounce)
        run = sync(fenv)
        assert elsewhere.requests == [], "the client followed the redirect"
    expect(
        run,
        code=exitcodes.FAILED,
        says=f"answered {status} redirecting to",
        state=OLD,
        before=before,
        recorded="failed",
    )


# --- identifiers and values in SQL -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        'snipeit"; DROP TABLE x; --',
        "Snipeit",
        "snipe it",
        "1snipeit",
        "x" * 64,
        "pg_assets",
        "information_schema",
        "sn\u00efpeit",
    ],
)
def test_bad_schema_names_are_refused_before_any_sql(fenv: dict[str, str], db_dsn: str, schema: str) -> None:
    run = sync(dict(fenv, ASSETSYNC_SCHEMA=schema))
    assert run.exit_code == exitcodes.CONFIG, run.describe()
    assert "ASSETSYNC_SCHEMA" in run.stderr
    schemas = {r[0] for r in query(db_dsn, "SELECT nspname FROM pg_namespace")}
    assert schemas == {"public", "information_schema", "pg_catalog", "pg_toast"}
    tables = query(
        db_dsn, "SELECT relname FROM pg_class WHERE relname IN ('assets', 'sync_runs', 'schema_version')"
    )
    assert tables == []


@pytest.mark.parametrize("schema", ["select", "user", "order_2"])
def test_schema_names_that_are_sql_keywords_are_quoted(
    fake: FakeSnipeIT, fenv: dict[str, str], db_dsn: str, schema: str
) -> None:
    for _ in range(2):
        run = sync(dict(fenv, ASSETSYNC_SCHEMA=schema))
        assert run.exit_code == 0, run.describe()
    ids = {r[0] for r in query(db_dsn, sql.SQL("SELECT id FROM {}").format(sql.Identifier(schema, "assets")))}
    assert ids == fake.all_ids()
    assert "unchanged 120" in run.log


def test_store_builds_sql_only_from_literals_identifiers_and_parameters() -> None:
    """No f-string, % or .format() on a str ever reaches execute() or sql.SQL() in the store."""
    modules = sorted((PROJECT_DIR / "assetsync" / "store").glob("*.py"))
    assert len(modules) > 5
    offenders = []
    for module in modules:
        offenders += _formatted_sql_lines(module)
    assert not offenders, f"the store formats SQL text itself at {offenders}"


def _formatted_sql_lines(module: Path) -> list[str]:
    tree = ast.parse(module.read_text("utf-8"))
    offenders = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in ("execute", "SQL", "copy"):
            continue
        for sub in ast.walk(node.args[0]):
            formatted = isinstance(sub, ast.JoinedStr) or (
                isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Mod)
            )
            str_format = (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "format"
                and isinstance(sub.func.value, ast.Constant)
            )
            if formatted or str_format:
                offenders.append(f"{module.name}:{node.lineno}")
    return offenders


# --- what ships --------------------------------------------------------------------------------------------


def test_env_example_carries_no_real_secret() -> None:
    values = dotenv_values(PROJECT_DIR / ".env.example")
    assert values.get("SNIPEIT_TOKEN") == ""
    assert conninfo_to_dict(str(values["DATABASE_URL"])).get("password") == "CHANGE_ME"
    text = (PROJECT_DIR / ".env.example").read_text("utf-8")
    assert TOKEN not in text
    assert "eyJ" not in text, "looks like a real (JWT) API token"


def test_readme_says_which_permissions_the_sync_needs() -> None:
    readme = (PROJECT_DIR / "README.md").read_text("utf-8")
    assert "*View* permission on assets" in readme
    for grant in ("GRANT USAGE ON SCHEMA", "GRANT SELECT, INSERT, UPDATE", "TEMPORARY"):
        assert grant in readme, grant
