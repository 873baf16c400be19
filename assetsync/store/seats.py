"""The seats table's own questions: which seats of the licenses read this run are gone, and which
seats belong to licenses that no longer have any."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql

from assetsync.store.tables import EntityTable


class SeatTable(EntityTable):
    """`license_seats`: staged only for the licenses a run reads again."""

    def missing_from(self, license_ids: Sequence[int]) -> list[int]:
        """Live seats of these (completely read) licenses that their read did not return."""
        rows = self.conn.execute(
            sql.SQL(
                "SELECT t.id FROM {} t WHERE t.removed_at IS NULL AND t.license_id = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM {} s WHERE s.id = t.id) ORDER BY t.id"
            ).format(self.target, self.stage),
            (list(license_ids),),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def live_of(self, license_ids: Sequence[int]) -> list[int]:
        """Live seats of these licenses (deleted or purged: their seats went with them)."""
        rows = self.conn.execute(
            sql.SQL("SELECT id FROM {} WHERE removed_at IS NULL AND license_id = ANY(%s) ORDER BY id").format(
                self.target
            ),
            (list(license_ids),),
        ).fetchall()
        return [int(r[0]) for r in rows]
