"""The JSON shapes of the control API (they also document it at /docs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class SyncStarted(BaseModel):
    run_id: int | None = Field(
        description="id of the run in sync_runs; null only if the run had not got that far yet"
    )
    status: str = Field(description="'running', or the run's final status if it has already ended")
    run_url: str | None = Field(description="where to follow the run")


class ScheduleState(BaseModel):
    state: Literal["running", "stopped"]
    times: list[str] = Field(description="daily sync times, HH:MM (HH:MM:SS if seconds are set)")
    timezone: str = Field(description="the zone the times are read in (this machine's)")
    next_runs: list[datetime] = Field(description="the next scheduled runs; empty when stopped")
    sync_running: bool = Field(description="a sync started by this server is running")
    current_run_id: int | None


class RunRecord(BaseModel):
    """One row of sync_runs."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str = Field(description="running, success, failed, braked, interrupted or abandoned")
    fetched: int | None
    inserted: int | None
    updated: int | None
    unchanged: int | None
    soft_deleted: int | None
    removed: int | None
    duration_seconds: float | None
    error: str | None
    tool_version: str | None
    host: str | None
    details: dict[str, Any] | None


class LastSuccess(BaseModel):
    run_id: int
    finished_at: datetime
    age_seconds: float = Field(description="seconds since that run finished")


class Health(BaseModel):
    status: Literal["ok"] = Field(description="the server is alive (it answers)")
    version: str
    scheduler: Literal["running", "stopped"]
    sync_running: bool
    current_run_id: int | None
    last_success: LastSuccess | None = Field(description="the newest successful sync, if any")
    database: str = Field(description="'ok', or why the run history could not be read")


class Problem(BaseModel):
    detail: str
