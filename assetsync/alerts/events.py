"""What an alert says: its event, Event Log ID and level, subject, plain text and JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assetsync import exitcodes

FAILED, BRAKED, RECOVERED, SUCCEEDED, SUSPICIOUS, TEST = (
    "failed",
    "braked",
    "recovered",
    "succeeded",
    "suspicious",
    "test",
)
INFORMATION, WARNING, ERROR = "Information", "Warning", "Error"

# Fixed: monitoring rules and Task Scheduler event triggers are written against these numbers.
EVENT_IDS = {SUCCEEDED: 100, TEST: 100, RECOVERED: 110, BRAKED: 200, SUSPICIOUS: 200, FAILED: 300}
LEVELS = {100: INFORMATION, 110: INFORMATION, 200: WARNING, 300: ERROR}

_HEADLINES = {
    FAILED: "sync FAILED",
    BRAKED: "removal brake tripped, nothing was changed",
    RECOVERED: "sync recovered (this run succeeded after failures)",
    SUCCEEDED: "sync succeeded",
    SUSPICIOUS: "suspicious activity in a successful sync",
    TEST: "TEST alert (nothing happened; sent by `assetsync alert test`)",
}
COUNT_NAMES = ("fetched", "inserted", "updated", "unchanged", "soft_deleted", "removed")


@dataclass(frozen=True)
class Alert:
    """One alert about one run (or a test); every channel renders it from these fields."""

    event: str
    host: str
    status: str = ""
    exit_code: int | None = None
    run_id: int | None = None
    error: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    started_at: str | None = None
    finished_at: str | None = None
    log_file: str | None = None
    findings: tuple[str, ...] = ()

    @property
    def event_id(self) -> int:
        return EVENT_IDS[self.event]

    @property
    def level(self) -> str:
        return LEVELS[self.event_id]

    @property
    def headline(self) -> str:
        return _HEADLINES[self.event]

    @property
    def subject(self) -> str:
        code = f" (exit {self.exit_code})" if self.exit_code not in (None, exitcodes.OK) else ""
        return f"assetsync on {self.host}: {self.headline}{code}"

    def facts(self) -> list[tuple[str, str]]:
        """(label, value) lines shared by the text, the Teams card and the e-mail."""
        out: list[tuple[str, str]] = []
        if self.run_id is not None:
            out.append(("Run", str(self.run_id)))
        if self.exit_code is not None:
            out.append(
                ("Exit code", f"{self.exit_code} ({exitcodes.MEANING.get(self.exit_code, 'unknown')})")
            )
        if self.started_at:
            out.append(("Started", self.started_at))
        if self.finished_at:
            out.append(("Finished", self.finished_at))
        if self.counts:
            out.append(("Counts", ", ".join(f"{k.replace('_', '-')} {v}" for k, v in self.counts.items())))
        if self.error:
            out.append(("Error", self.error))
        out.extend(("Finding", finding) for finding in self.findings)
        if self.log_file:
            out.append(("Log file", self.log_file))
        return out

    def text(self) -> str:
        """The plain text of the Event Log entry, the e-mail and the Slack message."""
        lines = [self.subject, *(f"{label}: {value}" for label, value in self.facts())]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "status": self.status,
            "exit_code": self.exit_code,
            "run_id": self.run_id,
            "error": self.error,
            "counts": self.counts,
            "host": self.host,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "log_file": self.log_file,
            "findings": list(self.findings),
            "event_id": self.event_id,
            "summary": self.subject,
        }
