"""Reading Snipe-IT's values: unescape once, notes, related records, money, dates, month counts.

Entity declarations (assetsync/entities) say which of these reads each column. Every value that
Snipe-IT could not render becomes NULL with a warning; a row never fails the sync.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import orjson
from psycopg.types.json import Jsonb

log = logging.getLogger("assetsync")

_TAG = re.compile(r"<[^>]*>")
_BR = re.compile(r"<br\s*/?>", re.I)
_MONEY = re.compile(r"^-?[\d.,\s']*\d$")
_INT_PREFIX = re.compile(r"^\s*(-?\d+)")
# "1,234.56" and "1234.56", the common forms: only the commas go.
_PLAIN_MONEY = re.compile(r"-?\d{1,3}(?:,\d{3}){0,5}\.\d{2}|-?\d{1,18}\.\d{2}")
_SEPARATORS = re.compile(r"[.,]")
_WHOLE = re.compile(r"-?[0-9]{1,18}")
_AMOUNT = re.compile(r"-?\d{1,18}(\.\d{2})?")


class Problems:
    """Counts values that could not be read, logging the first few of each kind in full."""

    def __init__(self, label: str = "asset", detail_limit: int = 5) -> None:
        self.counts: Counter[str] = Counter()
        self.label = label
        self._limit = detail_limit

    def note(self, kind: str, record_id: Any, field: str, value: Any) -> None:
        self.counts[kind] += 1
        if self.counts[kind] <= self._limit:
            log.warning(
                "%s %s: %s %r in %s stored as NULL",
                self.label.capitalize(),
                record_id,
                kind,
                _short(value),
                field,
            )

    def summary(self) -> None:
        for kind, count in sorted(self.counts.items()):
            if count > self._limit:
                log.warning("%d %s values in all were stored as NULL for being %s", count, self.label, kind)


def _short(value: Any) -> Any:
    return value[:80] + "..." if isinstance(value, str) and len(value) > 80 else value


Unescape = Callable[[str], str]


def text(value: Any, unescape: Unescape = html.unescape) -> str | None:
    """Snipe-IT escapes every string with e(); undo it exactly once. '' stays ''."""
    if type(value) is str:  # the common case first: this runs about 20 times per asset
        return unescape(value) if "&" in value else value
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, dict | list):
            return None
        value = str(value)
    return unescape(value) if "&" in value else value


def plain_notes(value: Any) -> str | None:
    """`notes` is Parsedown inline HTML since v6.2: drop the tags, then unescape once."""
    if not isinstance(value, str):
        return text(value)
    if "<" in value:
        value = _TAG.sub("", _BR.sub("\n", value))
    return html.unescape(value) if "&" in value else value


def blank_as_null(value: str | None) -> str | None:
    return value if value else None


def ref_name(obj: Any, key: str = "name", unescape: Unescape = html.unescape) -> str | None:
    return text(obj.get(key), unescape) if isinstance(obj, dict) else None


def ref_id(obj: Any) -> int | None:
    value = obj.get("id") if isinstance(obj, dict) else None
    return value if type(value) is int else None


def person_name(obj: Any, unescape: Unescape = html.unescape) -> str | None:
    """A manager's `first.' '.last`, without the trailing space Snipe-IT leaves when there is no
    last name."""
    name = ref_name(obj, "name", unescape)
    return name.strip() if name else name


_NO_REF: tuple[None, None] = (None, None)


def ref(obj: Any, unescape: Unescape = html.unescape) -> tuple[int | None, str | None]:
    """(id, name) of a related record such as {"id": 3, "name": "Laptops"}, in one call."""
    if not isinstance(obj, dict):
        return _NO_REF
    value, name = obj.get("id"), obj.get("name")
    if type(name) is str:  # nine of these per asset: the common case inline, not through text()
        if "&" in name:
            name = unescape(name)
    else:
        name = text(name, unescape)
    return (value if type(value) is int else None), name


def flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in (1, "1", "true"):
        return True
    if value in (0, "0", "false", ""):
        return False
    return None


class RowReader:
    """Reads the values of one entity's rows; remembers what could not be read in `problems`."""

    def __init__(self, label: str = "asset", problems: Problems | None = None) -> None:
        self.problems = problems or Problems(label)
        # Names of models, locations, companies and users repeat across thousands of assets, and
        # html.unescape runs a Python callback per entity: remembering recent answers saves a fifth
        # of the row building. Only short strings are kept, so the memory stays small.
        cached = functools.lru_cache(maxsize=4096)(html.unescape)

        def unescape(value: str) -> str:
            return cached(value) if len(value) <= 256 else html.unescape(value)

        self.unescape: Unescape = unescape
        self._months: dict[str, int] = {}

    def when(self, obj: Any, key: str, record_id: Any, field: str) -> str | None:
        """A {datetime|date, formatted} object (`key` names which) as the zone-less ISO text
        (the zone is set per session)."""
        if obj is None or obj == "":
            return None
        raw = obj.get(key) if isinstance(obj, dict) else obj
        if isinstance(raw, str):
            try:
                # Validate here: one impossible date in COPY would abort the whole load.
                if key == "date":
                    date.fromisoformat(raw)
                    return raw
                datetime.fromisoformat(raw)
                return raw.replace("T", " ")
            except ValueError:
                pass
        self.problems.note("an unreadable date", record_id, field, raw)
        return None

    def money(self, value: Any, record_id: Any, field: str = "purchase_cost") -> str | None:
        """'1,234.56', '1.234,56' and the pre-v5.2 '1234.56' all become '1234.56'."""
        if value is None or value == "":
            return None
        if type(value) is str and _PLAIN_MONEY.fullmatch(value):
            return value.replace(",", "") if "," in value else value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:.2f}"
        if isinstance(value, str):
            cleaned = value.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
            if _MONEY.match(cleaned):
                last_dot, last_comma = cleaned.rfind("."), cleaned.rfind(",")
                mark = max(last_dot, last_comma)
                # Snipe-IT always prints two decimals, so the mark is the one before the last two
                # digits; any other separator groups thousands.
                if mark != -1 and len(cleaned) - mark - 1 == 2:
                    whole = _SEPARATORS.sub("", cleaned[:mark])
                    result = f"{whole}.{cleaned[mark + 1 :]}"
                else:
                    result = _SEPARATORS.sub("", cleaned)
                if _AMOUNT.fullmatch(result):
                    return result
        self.problems.note("an unreadable amount", record_id, field, value)
        return None

    def months(self, value: Any, record_id: Any, field: str = "warranty_months") -> int | None:
        """'36 months' (and older bare numbers) become 36; a model's 'None' is no value."""
        if value is None or value == "" or value == "None":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        known = self._months.get(value) if type(value) is str else None
        if known is not None:
            return known
        match = _INT_PREFIX.match(str(value))
        if match and abs(int(match.group(1))) < 2**31:
            months = int(match.group(1))
            if type(value) is str and len(self._months) < 1000:
                self._months[value] = months  # "36 months" recurs across thousands of assets
            return months
        self.problems.note("an unreadable month count", record_id, field, value)
        return None

    def integer(self, value: Any, record_id: Any, field: str) -> int | None:
        """A whole number, also when sent as a digit string (a department's users_count)."""
        if value is None or value == "":
            return None
        if type(value) is int:
            return value
        if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
            return int(value)
        self.problems.note("an unreadable number", record_id, field, value)
        return None

    def unmasked(self, value: str | None, record_id: Any, field: str) -> str | None:
        """Snipe-IT shows a secret it hides from the token's user as dashes: no value, noted once."""
        if value is not None and value and value.strip("-") == "":
            self.problems.note("a value Snipe-IT masked for this token", record_id, field, value)
            return None
        return value

    def custom_fields(self, value: Any) -> Jsonb:
        """Keyed by db column (`_snipeit_mac_address_1`), which survives a label rename."""
        out: dict[str, str | None] = {}
        if isinstance(value, dict):
            for label, spec in value.items():
                if isinstance(spec, dict):
                    column = spec.get("field") or label
                    out[str(column)] = text(spec.get("value"), self.unescape)
        return Jsonb(out, orjson.dumps)
