"""What an entity is: a Snipe-IT record type declared as data, and the row builder made from it.

Each column is one line: its name, its SQL type and how its value is read from a Snipe-IT row.
The store builds the table, the staging tables and the merge from the same declaration, and the
schema upgrade adds a declared column that a table lacks, so a new field is one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import xxhash
from psycopg.types.json import Jsonb

from assetsync import fields

Row = dict[str, Any]
Record = tuple[Any, ...]
Pass = tuple[str, Mapping[str, str]]

# Keys that drift on their own (with the clock or with who asks) in every record type.
COMMON_VOLATILE = frozenset({"available_actions", "user_can_checkout"})


@dataclass(frozen=True)
class Read:
    """How a column is read: a Python expression over `get` (the row's dict.get), `u` (unescape
    once), `r` (the RowReader: dates, money, problems) and `rid` (the row's id).

    The expressions of an entity are compiled into one function (see `Entity.build`): calling a
    small function per column cost about a third more per row than the hand-written builder the
    hardware sync had, and the hardware first load is measured against a floor.
    """

    expr: str


# A column filled by the expression of the column before it (see `ref_columns`).
FILLED_BY_PREVIOUS = Read("")


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    read: Read


# Columns every entity table has after its declared ones, in this order; the engine fills them.
DOCUMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("raw", "jsonb NOT NULL"),
    ("content_hash", "bytea NOT NULL"),
)
# Bookkeeping columns the merge maintains (never copied from Snipe-IT).
TRACKING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("first_seen_at", "timestamptz NOT NULL DEFAULT now()"),
    ("changed_at", "timestamptz NOT NULL DEFAULT now()"),
    ("removed_at", "timestamptz"),
)


@dataclass(frozen=True)
class Entity:
    """One Snipe-IT record type: where it is listed, how it is read, and the table it fills."""

    name: str  # as written in ASSETSYNC_ENTITIES
    endpoint: str  # list path under /api/v1
    table: str
    label: str  # singular noun for messages ("user")
    permission: str  # the Snipe-IT permission that lets a token list it
    columns: tuple[Column, ...]
    passes: tuple[Pass, ...] = (("default", {}),)
    sort: tuple[str, str] = ("id", "asc")
    # Bumped when a column is added or read differently: every stored row is rewritten once.
    mapping_version: int = 1
    volatile: frozenset[str] = COMMON_VOLATILE
    volatile_counts: bool = True  # every `*_count` key is a live subquery: never part of the hash
    key_column: str = "name"  # what a dry run lists for a planned change
    # Keep every version a merge replaces in `<table>_history`, queried with `<table>_as_of(at)`.
    history: bool = False
    # Keys never hashed nor kept in `raw` (a license's product key, unless the admin asks for keys).
    withheld: frozenset[str] = frozenset()
    # Keys whose values a run keeps per id and compares with the stored `raw`, to tell which records
    # a child entity must read again (a license's seat counts and dates, for its seats).
    fingerprint: tuple[str, ...] = ()
    # A child entity is not listed: it is read per record of its parent (seats, license by license).
    parent: str | None = None
    # Columns queried by something other than the id (the seats of one license), given an index.
    indexed: tuple[str, ...] = ()
    # Made on first use; init=False so that dataclasses.replace() makes a declaration its own.
    _builder: list[Callable[..., Record]] = field(default_factory=list, init=False, repr=False, compare=False)
    _seed: list[int] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def plural(self) -> str:
        return self.table.replace("_", " ")

    @property
    def column_names(self) -> tuple[str, ...]:
        """Declared columns then `raw` and `content_hash`: the COPY order of `record`."""
        return (*(c.name for c in self.columns), *(n for n, _ in DOCUMENT_COLUMNS))

    @property
    def column_types(self) -> tuple[tuple[str, str], ...]:
        return (*((c.name, c.sql_type) for c in self.columns), *DOCUMENT_COLUMNS)

    @property
    def mapping_seed(self) -> int:
        """A fingerprint of how rows are read: the mapping version and every column's name, type
        and reading. It seeds the change hash, so a release that adds a column or reads one
        differently makes every stored row differ once, and the normal merge rewrites it; a fix
        inside a reading function (not visible here) bumps `mapping_version`."""
        if not self._seed:
            spec = ";".join(f"{c.name} {c.sql_type} {c.read.expr}" for c in self.columns)
            self._seed.append(xxhash.xxh3_64_intdigest(f"{self.mapping_version}|{spec}".encode()))
        return self._seed[0]

    @property
    def history_table(self) -> str:
        return f"{self.table}_history"

    @property
    def soft_deletes(self) -> bool:
        return any(c.name == "deleted_at" for c in self.columns)

    def hash_and_raw(self, row: Row) -> tuple[bytes, bytes]:
        """The change hash (of the row's JSON without the volatile keys, seeded with the mapping)
        and the row's whole JSON (for `raw`), from one serialisation.

        Keys are hashed in the order Snipe-IT sends them (sorting cost more than the rest of the
        hash; a reordering upstream rewrites rows once). `raw` is the hashed text with the volatile
        keys appended: jsonb keeps no key order, so it stores the same document.
        """
        stable = dict(row)  # a C-level copy and a few pops: cheaper than a comprehension over the row
        if self.withheld:
            for key in self.withheld:
                stable.pop(key, None)
        volatile = {key: stable.pop(key) for key in self.volatile if key in stable}
        if self.volatile_counts:
            for key in [k for k in stable if k.endswith("_count")]:
                volatile[key] = stable.pop(key)
        body = orjson.dumps(stable)
        digest = xxhash.xxh3_128_digest(body, seed=self.mapping_seed)
        if volatile:
            tail = orjson.dumps(volatile)
            body = tail if body == b"{}" else body[:-1] + b"," + tail[1:]
        return digest, body

    def record(self, row: Row, reader: fields.RowReader, hashed: tuple[bytes, bytes] | None = None) -> Record:
        """The COPY tuple of one row, in `column_names` order; `hashed` is `hash_and_raw(row)`
        when the caller has it already."""
        if not self._builder:
            self._builder.append(_compile(self))
        return self._builder[0](row, reader, hashed or self.hash_and_raw(row))


def _as_is(data: Any) -> Any:
    """The `dumps` of a Jsonb holding JSON text that is already made."""
    return data


# Everything a Read expression may name.
_NAMESPACE: Mapping[str, Any] = {
    "text": fields.text,
    "blank_as_null": fields.blank_as_null,
    "plain_notes": fields.plain_notes,
    "ref": fields.ref,
    "ref_id": fields.ref_id,
    "ref_name": fields.ref_name,
    "person_name": fields.person_name,
    "flag": fields.flag,
    "Jsonb": Jsonb,
    "as_is": _as_is,
}


def _compile(entity: Entity) -> Callable[..., Record]:
    """One function that builds the whole tuple, made from the columns' expressions."""
    values = ",\n        ".join(c.read.expr for c in entity.columns if c.read.expr)
    source = (
        "def build(row, r, hashed):\n"
        "    get = row.get\n"
        "    u = r.unescape\n"
        "    rid = row['id']\n"
        f"    return (\n        {values},\n"
        "        Jsonb(hashed[1], as_is),  # UTF-8 JSON as orjson made it, not re-encoded\n"
        "        hashed[0],\n"
        "    )\n"
    )
    namespace = dict(_NAMESPACE)
    exec(compile(source, f"<{entity.name} row builder>", "exec"), namespace)
    builder: Callable[..., Record] = namespace["build"]
    return builder


# -- the ways a column is read: each returns the expression the builder evaluates ----------------
def row_id() -> Read:
    return Read("rid")


def text(key: str) -> Read:
    """A string Snipe-IT escaped with e(): unescaped exactly once."""
    return Read(f"text(get({key!r}), u)")


def blank(key: str) -> Read:
    """A string where Snipe-IT sends '' for "no value" (suppliers, manufacturers): '' is NULL."""
    return Read(f"blank_as_null(text(get({key!r}), u))")


def notes(key: str = "notes") -> Read:
    return Read(f"plain_notes(get({key!r}))")


def ref_id(key: str) -> Read:
    """The id of a related record ({"id": 3, "name": ...})."""
    return Read(f"ref_id(get({key!r}))")


def ref_name(key: str, inner: str = "name") -> Read:
    return Read(f"ref_name(get({key!r}), {inner!r}, u)")


def manager_name(key: str = "manager") -> Read:
    """A person's name built as first.' '.last by Snipe-IT: the trailing space of a missing last
    name is dropped."""
    return Read(f"person_name(get({key!r}), u)")


def flag(key: str) -> Read:
    return Read(f"flag(get({key!r}))")


def stamp(key: str) -> Read:
    """A {datetime, formatted} object, read in SNIPEIT_TIMEZONE."""
    return Read(f"r.when(get({key!r}), 'datetime', rid, {key!r})")


def day(key: str) -> Read:
    """A {date, formatted} object."""
    return Read(f"r.when(get({key!r}), 'date', rid, {key!r})")


def money(key: str) -> Read:
    return Read(f"r.money(get({key!r}), rid, {key!r})")


def months(key: str) -> Read:
    """'36 months' (or 'None') as a whole number of months."""
    return Read(f"r.months(get({key!r}), rid, {key!r})")


def number(key: str) -> Read:
    """A whole number that may come as a digit string."""
    return Read(f"r.integer(get({key!r}), rid, {key!r})")


def nothing() -> Read:
    """A column left empty on purpose (a product key the admin did not ask to store)."""
    return Read("None")


def unmasked(key: str) -> Read:
    """A secret Snipe-IT masks as '------------' for a token without the right to see it: NULL."""
    return Read(f"r.unmasked(text(get({key!r}), u), rid, {key!r})")


def custom_fields(key: str = "custom_fields") -> Read:
    return Read(f"r.custom_fields(get({key!r}))")


def ref_columns(key: str, prefix: str | None = None) -> tuple[Column, Column]:
    """`<prefix>_id` and `<prefix>_name` of a related record, the usual pair, read in one call
    (a hardware row has nine of them)."""
    name = prefix or key
    return (
        Column(f"{name}_id", "bigint", Read(f"*ref(get({key!r}), u)")),
        Column(f"{name}_name", "text", FILLED_BY_PREVIOUS),
    )


def common_dates(*, deleted: bool = False) -> tuple[Column, ...]:
    columns = (Column("created_at", "timestamptz", stamp("created_at")),
               Column("updated_at", "timestamptz", stamp("updated_at")))  # fmt: skip
    return (*columns, Column("deleted_at", "timestamptz", stamp("deleted_at"))) if deleted else columns
