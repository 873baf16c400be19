"""`assetsync check`: one line per item, each failure kind on its own line, nothing written."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql
from psycopg.conninfo import make_conninfo

from assetsync import exitcodes
from assetsync.cli import cli
from assetsync.cli.check_command import NAME_WIDTH
from assetsync.entities import ENTITY_NAMES
from assetsync.fake_snipeit import FakeSnipeIT, Reply, RequestInfo, generate_assets
from tests.conftest import PASSWORD, ROLE, TOKEN, fresh_database, make_env, query

TLS_DIR = Path(__file__).parent / "data" / "tls"
LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Snipe-IT Asset Management</title></head>"
    '<body class="login-page"><form action="/login" method="POST"></form></body></html>'
)


@dataclass
class Item:
    mark: str
    detail: str
    fix: str


@dataclass
class Checked:
    exit_code: int
    items: dict[str, Item]
    output: str


def run_check(env: dict[str, str]) -> Checked:
    result = CliRunner().invoke(cli, ["check"], env=env, catch_exceptions=False)
    items: dict[str, Item] = {}
    last: Item | None = None
    for line in result.output.splitlines():
        if line.startswith("[") and line[5] == "]":
            name_end = 7 + NAME_WIDTH
            last = items[line[7:name_end].strip()] = Item(line[:6], line[name_end + 1 :], "")
        elif last is not None and line.strip().startswith("fix:"):
            last.fix = line.strip()[len("fix: ") :]
    return Checked(result.exit_code, items, result.output)


def marks(checked: Checked) -> dict[str, str]:
    return {name: item.mark for name, item in checked.items.items()}


SNIPEIT_ITEMS = [
    "Snipe-IT reachable",
    "TLS certificate",
    "Snipe-IT API address",
    "API token accepted",
    "Token may list hardware",
    "Company scoping",
    "Snipe-IT version",
    "Server page cap",
]
# One line per record type besides hardware, each naming its own fix.
ENTITY_ITEMS = [f"Token may list {name.replace('_', ' ')}" for name in ENTITY_NAMES[1:]]
PG_ITEMS = ["PostgreSQL reachable", "PostgreSQL schema", "PostgreSQL tables", "Temporary tables"]
ACTIVITY_ITEMS = ["Token may read activity log"]
ALL_ITEMS = [
    "Configuration",
    *SNIPEIT_ITEMS,
    *ENTITY_ITEMS,
    *ACTIVITY_ITEMS,
    *PG_ITEMS,
    "Log folder",
    "Alert channels",
]


def test_everything_passes_on_a_fresh_database_and_nothing_is_created(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str, tmp_path: Path
) -> None:
    checked = run_check(env)
    assert checked.exit_code == exitcodes.OK, checked.output
    assert list(checked.items) == ALL_ITEMS
    assert set(marks(checked).values()) == {"[ OK ]"}
    items = checked.items
    assert "superuser" in items["Company scoping"].detail
    assert items["Snipe-IT version"].detail == "Snipe-IT v8.1.4"
    assert "does not exist yet" in items["PostgreSQL schema"].detail
    assert "not created yet" in items["PostgreSQL tables"].detail
    assert query(db_dsn, "SELECT count(*) FROM pg_namespace WHERE nspname = 'snipeit'") == [(0,)]
    log_text = (tmp_path / "logs" / f"sync_{date.today():%Y%m%d}.log").read_text("utf-8")
    # Logged before the last two items (log folder, alert channels) are checked.
    assert log_text.count("\n") == 1 and f"Check: {len(ALL_ITEMS) - 2} items passed, 0 failed" in log_text
    assert TOKEN not in checked.output + log_text


def test_after_a_sync_check_reads_the_tables_and_writes_nothing(
    fake: FakeSnipeIT, env: dict[str, str], db_dsn: str
) -> None:
    assert CliRunner().invoke(cli, ["sync", "-q"], env=env).exit_code == 0
    state = "SELECT xmin::text, * FROM snipeit.{} ORDER BY 2"
    before = [query(db_dsn, state.format(t)) for t in ("assets", "sync_runs", "schema_version")]
    checked = run_check(env)
    assert checked.exit_code == exitcodes.OK, checked.output
    assert f"{len(fake.all_ids())} assets stored" in checked.items["PostgreSQL tables"].detail
    assert [query(db_dsn, state.format(t)) for t in ("assets", "sync_runs", "schema_version")] == before


def test_page_cap_is_the_servers_not_the_requested_one(db_dsn: str, tmp_path: Path) -> None:
    with FakeSnipeIT(generate_assets(60, seed=3, deleted_share=0), token=TOKEN, max_results=25) as server:
        checked = run_check(make_env(server, db_dsn, tmp_path / "logs"))
    assert checked.exit_code == exitcodes.OK, checked.output
    assert checked.items["Server page cap"].detail.startswith("25 rows per page")


def test_missing_setting_is_a_configuration_failure_and_the_rest_is_skipped(env: dict[str, str]) -> None:
    checked = run_check({**env, "SNIPEIT_TOKEN": ""})
    assert checked.exit_code == exitcodes.CONFIG
    assert checked.items["Configuration"].mark == "[FAIL]"
    assert "SNIPEIT_TOKEN is not set" in checked.items["Configuration"].fix
    assert {m for n, m in marks(checked).items() if n != "Configuration"} == {"[SKIP]"}


def test_bad_token(fake: FakeSnipeIT, env: dict[str, str]) -> None:
    checked = run_check({**env, "SNIPEIT_TOKEN": "wrong-token-0123456789"})
    assert checked.exit_code == exitcodes.FAILED
    got = marks(checked)
    assert [got[n] for n in SNIPEIT_ITEMS] == ["[ OK ]"] * 3 + ["[FAIL]"] + ["[SKIP]"] * 4
    token = checked.items["API token accepted"]
    assert "401" in token.detail and "SNIPEIT_TOKEN" in token.fix
    assert got["PostgreSQL reachable"] == "[ OK ]"  # the other parts are still checked
    assert "wrong-token-0123456789" not in checked.output


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, LOGIN_PAGE, content_type="text/html; charset=UTF-8"),
        Reply(302, "", headers={"Location": "https://sso.example.com/login?next=/api"}),
    ],
    ids=["html-login-page", "redirect-to-login"],
)
def test_login_page_instead_of_the_api(fake: FakeSnipeIT, env: dict[str, str], reply: Reply) -> None:
    def login(info: RequestInfo) -> Reply | None:
        return reply if info.path.startswith("/api/") else None

    fake.add_hook(login)
    checked = run_check(env)
    assert checked.exit_code == exitcodes.FAILED
    got = marks(checked)
    assert [got[n] for n in SNIPEIT_ITEMS[:4]] == ["[ OK ]", "[ OK ]", "[FAIL]", "[SKIP]"]
    assert "SNIPEIT_API_URL" in checked.items["Snipe-IT API address"].detail
    assert "browser" in checked.items["Snipe-IT API address"].fix
    # The sync says the same, and does not crash on the redirect.
    synced = CliRunner().invoke(cli, ["sync", "--json", "-q"], env=env)
    assert synced.exit_code == exitcodes.FAILED
    assert "SNIPEIT_API_URL" in synced.stdout and "unexpected error" not in synced.stdout


def test_token_without_permission_to_list_hardware(fake: FakeSnipeIT, env: dict[str, str]) -> None:
    fake.fail_requests(403, times=-1, when=lambda info: info.pass_name != "")
    checked = run_check(env)
    assert checked.exit_code == exitcodes.FAILED
    assert checked.items["API token accepted"].mark == "[ OK ]"
    assert checked.items["Token may list hardware"].mark == "[FAIL]"
    assert "'View' permission" in checked.items["Token may list hardware"].fix


def test_non_superuser_token_gets_a_company_scoping_hint(db_dsn: str, tmp_path: Path) -> None:
    with FakeSnipeIT(generate_assets(20, seed=1), token=TOKEN, superuser=False) as server:
        checked = run_check(make_env(server, db_dsn, tmp_path / "logs"))
    assert checked.exit_code == exitcodes.OK  # a hint, not a failure
    scoping = checked.items["Company scoping"]
    assert scoping.mark == "[WARN]" and "not a superuser" in scoping.detail
    assert "superuser" in scoping.fix


def test_snipeit_not_reachable(env: dict[str, str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    checked = run_check({**env, "SNIPEIT_API_URL": f"http://127.0.0.1:{port}"})
    assert checked.exit_code == exitcodes.FAILED
    assert checked.items["Snipe-IT reachable"].mark == "[FAIL]"
    assert "firewall" in checked.items["Snipe-IT reachable"].fix
    assert {marks(checked)[n] for n in SNIPEIT_ITEMS[1:]} == {"[SKIP]"}


@pytest.fixture
def untrusted_https_port() -> Iterator[int]:
    """A loopback TLS server with a self-signed certificate (the handshake is all it serves)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS_DIR / "self-signed.pem", TLS_DIR / "self-signed.key")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            # The client refuses the certificate during the handshake, as it should.
            with conn, contextlib.suppress(ssl.SSLError, OSError):
                context.wrap_socket(conn, server_side=True).close()

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        worker.join(5)
        listener.close()


def test_untrusted_certificate(env: dict[str, str], untrusted_https_port: int) -> None:
    checked = run_check({**env, "SNIPEIT_API_URL": f"https://127.0.0.1:{untrusted_https_port}"})
    assert checked.exit_code == exitcodes.FAILED
    got = marks(checked)
    assert [got[n] for n in SNIPEIT_ITEMS[:3]] == ["[ OK ]", "[FAIL]", "[SKIP]"]
    assert "SNIPEIT_CA_BUNDLE" in checked.items["TLS certificate"].fix


def test_unwritable_log_folder(fake: FakeSnipeIT, env: dict[str, str], tmp_path: Path) -> None:
    # A folder inside a file: unwritable even for root, on every platform.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    checked = run_check({**env, "ASSETSYNC_LOG_DIR": str(blocker / "logs")})
    assert checked.exit_code == exitcodes.FAILED
    assert checked.items["Log folder"].mark == "[FAIL]"
    assert "ASSETSYNC_LOG_DIR" in checked.items["Log folder"].fix
    assert [m for n, m in marks(checked).items() if m == "[FAIL]"] == ["[FAIL]"]


# -- PostgreSQL roles and passwords: a server of its own, with password authentication ----------
@pytest.fixture
def role_db(password_server: str) -> Iterator[tuple[str, str]]:
    """A fresh database on the password server: (admin DSN, DSN of the non-owner role)."""
    with fresh_database(password_server) as admin:
        yield admin, make_conninfo(admin, user=ROLE, password=PASSWORD)


def test_wrong_database_password(fake: FakeSnipeIT, role_db: tuple[str, str], tmp_path: Path) -> None:
    _, role_dsn = role_db
    wrong = role_dsn.replace(PASSWORD, "Wrong-Passw0rd-5678")
    checked = run_check(make_env(fake, wrong, tmp_path / "logs"))
    assert checked.exit_code == exitcodes.FAILED
    reachable = checked.items["PostgreSQL reachable"]
    assert reachable.mark == "[FAIL]" and "password authentication failed" in reachable.detail
    assert "DATABASE_URL" in reachable.fix
    assert {marks(checked)[n] for n in PG_ITEMS[1:]} == {"[SKIP]"}
    assert {marks(checked)[n] for n in SNIPEIT_ITEMS} == {"[ OK ]"}
    assert "Wrong-Passw0rd-5678" not in checked.output


def test_role_that_may_not_create_the_schema_then_may(
    fake: FakeSnipeIT, role_db: tuple[str, str], tmp_path: Path
) -> None:
    admin_dsn, role_dsn = role_db
    env = make_env(fake, role_dsn, tmp_path / "logs")
    checked = run_check(env)
    assert checked.exit_code == exitcodes.FAILED
    schema = checked.items["PostgreSQL schema"]
    assert schema.mark == "[FAIL]" and "GRANT CREATE ON DATABASE" in schema.fix
    dbname = psycopg.conninfo.conninfo_to_dict(admin_dsn)["dbname"]
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(str(dbname)), sql.Identifier(ROLE)
            )
        )
        admin.execute(
            sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(str(dbname)))
        )
    checked = run_check(env)
    assert checked.items["PostgreSQL schema"].mark == "[ OK ]"
    assert checked.items["Temporary tables"].mark == "[FAIL]"
    assert "GRANT TEMPORARY" in checked.items["Temporary tables"].fix
    assert PASSWORD not in checked.output


def test_role_without_rights_on_existing_tables(
    fake: FakeSnipeIT, role_db: tuple[str, str], tmp_path: Path
) -> None:
    admin_dsn, role_dsn = role_db
    owner_env = make_env(fake, admin_dsn, tmp_path / "logs")
    assert CliRunner().invoke(cli, ["sync", "-q"], env=owner_env).exit_code == 0
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA snipeit TO {}").format(sql.Identifier(ROLE)))
        admin.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA snipeit TO {}").format(sql.Identifier(ROLE))
        )
    env = make_env(fake, role_dsn, tmp_path / "logs")
    checked = run_check(env)
    tables = checked.items["PostgreSQL tables"]
    assert checked.exit_code == exitcodes.FAILED and tables.mark == "[FAIL]"
    assert "snipeit.assets: INSERT, UPDATE" in tables.detail
    assert "USAGE on its id sequence" in tables.detail
    assert "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA snipeit" in tables.fix
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        for statement in tables.fix.split(";"):
            if statement.strip():
                admin.execute(statement)
    checked = run_check(env)
    assert checked.exit_code == exitcodes.OK, checked.output
    # and the role can now really sync
    assert CliRunner().invoke(cli, ["sync", "-q"], env=env).exit_code == 0


def test_role_owning_a_schema_made_for_it_passes_without_create_on_the_database(
    fake: FakeSnipeIT, role_db: tuple[str, str], tmp_path: Path
) -> None:
    admin_dsn, role_dsn = role_db
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA snipeit AUTHORIZATION {}").format(sql.Identifier(ROLE)))
    checked = run_check(make_env(fake, role_dsn, tmp_path / "logs"))
    assert checked.exit_code == exitcodes.OK, checked.output  # and it syncs: the fault suite's database tests


def test_schema_upgrade_that_needs_the_table_owner_names_the_owner(
    fake: FakeSnipeIT, role_db: tuple[str, str], tmp_path: Path
) -> None:
    from assetsync.store import Store, connect

    admin_dsn, role_dsn = role_db
    with connect(admin_dsn, server_timezone="UTC") as conn:
        Store(conn, "snipeit").migrate(up_to=1)  # as an earlier assetsync left it
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        role = sql.Identifier(ROLE)
        admin.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA snipeit TO {}").format(role))
        admin.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA snipeit TO {}").format(role)
        )
        admin.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA snipeit TO {}").format(role))
        admin.execute(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA snipeit GRANT SELECT, INSERT, UPDATE ON TABLES TO {}"
            ).format(role)
        )
    env = make_env(fake, role_dsn, tmp_path / "logs")
    checked = run_check(env)
    schema = checked.items["PostgreSQL schema"]
    assert checked.exit_code == exitcodes.FAILED
    assert schema.mark == "[FAIL]" and "is at version 1" in schema.detail
    assert schema.fix == f"run one sync as postgres; after that, role {ROLE} syncs as before"
    owner_env = make_env(fake, admin_dsn, tmp_path / "logs")
    assert CliRunner().invoke(cli, ["sync", "-q"], env=owner_env).exit_code == 0  # the owner upgrades
    assert run_check(env).exit_code == exitcodes.OK
