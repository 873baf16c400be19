"""What the database role may do with the target schema, read from the catalogs (assetsync check)."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import sql

from assetsync.entities import ENTITIES
from assetsync.store.schema import SchemaManager

# Every table a sync writes: the entity tables, then its own bookkeeping.
MANAGED_TABLES: tuple[str, ...] = (
    *(e.table for e in ENTITIES),
    *(e.history_table for e in ENTITIES if e.history),
    "sync_runs",
    "schema_version",
    "entity_mappings",
    "activity",
    "activity_state",
)


@dataclass
class SchemaAccess:
    """The role's rights on the target schema; `tables` maps each existing table to missing rights."""

    server_version: str
    database: str
    role: str
    can_create_schema: bool
    can_use_temp: bool
    schema_exists: bool
    schema_usage: bool
    schema_create: bool
    tables: dict[str, list[str]] = field(default_factory=dict)
    version: int | None = None
    live_assets: int | None = None
    # Upgrades alter the assets table, which only its owner (or a member of the owning role) may do.
    assets_owner: str | None = None
    owns_assets: bool = False


class AccessInspector(SchemaManager):
    """Reads the role's rights without writing anything."""

    def live_count_of(self, table: str) -> int:
        row = self.conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE removed_at IS NULL").format(
                sql.Identifier(self.schema_name, table)
            )
        ).fetchone()
        return int(row[0]) if row else 0

    def access(self) -> SchemaAccess:
        """What this role may do with the target schema, found without writing anything."""
        row = self.conn.execute(
            """SELECT split_part(current_setting('server_version'), ' ', 1), current_database(),
                      current_user, has_database_privilege(current_database(), 'CREATE'),
                      has_database_privilege(current_database(), 'TEMP'), n.oid IS NOT NULL,
                      coalesce(has_schema_privilege(n.oid, 'USAGE'), false),
                      coalesce(has_schema_privilege(n.oid, 'CREATE'), false)
               FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = %s""",
            (self.schema_name,),
        ).fetchone()
        assert row is not None
        found = SchemaAccess(*row)
        if not found.schema_usage:
            return found
        # has_table_privilege with a list is true if ANY is held, so ask for each privilege.
        for name, select, insert, update, owner, owned in self.conn.execute(
            """SELECT c.relname, has_table_privilege(c.oid, 'SELECT'), has_table_privilege(c.oid, 'INSERT'),
                      has_table_privilege(c.oid, 'UPDATE'), pg_get_userbyid(c.relowner),
                      pg_has_role(c.relowner, 'USAGE')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = %s AND c.relname = ANY(%s)""",
            (self.schema_name, list(MANAGED_TABLES)),
        ).fetchall():
            found.tables[name] = [
                p for p, ok in (("SELECT", select), ("INSERT", insert), ("UPDATE", update)) if not ok
            ]
            if name == "assets":
                found.assets_owner, found.owns_assets = owner, owned
        if "sync_runs" in found.tables:
            seq = self.conn.execute(
                "SELECT has_sequence_privilege(pg_get_serial_sequence(%s, 'id'), 'USAGE')",
                (f"{sql.Identifier(self.schema_name).as_string(self.conn)}.sync_runs",),
            ).fetchone()
            if seq and seq[0] is False:
                found.tables["sync_runs"].append("USAGE on its id sequence")
        if "schema_version" in found.tables and not found.tables["schema_version"]:
            found.version = self.schema_version()
        if "assets" in found.tables and not found.tables["assets"]:
            found.live_assets = self.live_count_of("assets")
        return found
