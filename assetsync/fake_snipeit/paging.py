"""How Snipe-IT reads limit and offset from a request, shared by every list endpoint."""

from __future__ import annotations

import re

_INTVAL = re.compile(r"\s*([+-]?\d+)")


def php_intval(value: str | None) -> int:
    """PHP intval() on a request string: leading integer or 0 ("12abc" -> 12, "abc" -> 0)."""
    if not value:
        return 0
    m = _INTVAL.match(value)
    return int(m.group(1)) if m else 0


def api_limit(params: dict[str, str], max_results: int) -> int:
    """SettingsServiceProvider, verbatim: note a negative limit passes the check before abs()."""
    int_limit = php_intval(params.get("limit"))
    return abs(int_limit) if abs(int_limit) > 0 and int_limit <= max_results else max_results
