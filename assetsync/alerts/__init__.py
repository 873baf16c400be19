"""Alerts: tell the admin about failed, braked, recovered and suspicious runs.

Modules, one job each: validate (parsing the ASSETSYNC_ALERT_* settings), events (what an alert
says, its event ID and texts), decide (which alerts a run raises, from its result and sync_runs),
eventlog (the one Windows API call), channels (webhook, heartbeat, e-mail), dispatch (sending
through every channel within the time bound, and the hooks the run path calls).
"""
