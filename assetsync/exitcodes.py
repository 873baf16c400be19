"""Process exit codes; Task Scheduler shows them as the task's "Last Run Result"."""

OK = 0
FAILED = 1
CONFIG = 2
LOCKED = 3
BRAKE = 4
LOG_UNWRITABLE = 5
INTERRUPTED = 130

MEANING = {
    OK: "success",
    FAILED: "the sync failed; the database was left as it was (see the log)",
    CONFIG: "configuration error (a setting is missing or malformed)",
    LOCKED: "another sync was running; this run changed nothing",
    BRAKE: "removal brake: too many assets would have been marked removed; nothing was changed",
    LOG_UNWRITABLE: "the sync succeeded but the log file could not be written",
    INTERRUPTED: "interrupted (Ctrl-C or SIGTERM); nothing was half-written",
}
