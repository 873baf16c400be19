"""The one Windows API call: an entry in the Application log, source `assetsync`.

Written with RegisterEventSourceW/ReportEventW through ctypes (no extra package). The source is
registered by setup_sync_schedule.ps1 (which runs elevated); an unregistered source still writes,
and Event Viewer then prefixes the text with "The description for Event ID ... cannot be found".
"""

from __future__ import annotations

import sys

from assetsync.alerts.events import ERROR, INFORMATION, WARNING

SOURCE = "assetsync"
# EVENTLOG_ERROR_TYPE, EVENTLOG_WARNING_TYPE, EVENTLOG_INFORMATION_TYPE
EVENT_TYPES = {ERROR: 0x0001, WARNING: 0x0002, INFORMATION: 0x0004}
# ReportEventW takes at most 31,839 characters per string; longer text is cut, not refused.
MAX_CHARS = 31_000


def write_event(event_id: int, level: str, message: str) -> None:
    """Write one entry to the Application log; OSError naming the Windows error when it fails."""
    text = message if len(message) <= MAX_CHARS else message[: MAX_CHARS - 3] + "..."
    if sys.platform != "win32":
        raise OSError("the Windows Event Log exists only on Windows")
    import ctypes
    from ctypes import wintypes

    advapi = ctypes.WinDLL("advapi32", use_last_error=True)
    advapi.RegisterEventSourceW.argtypes = [wintypes.LPCWSTR, wintypes.LPCWSTR]
    advapi.RegisterEventSourceW.restype = wintypes.HANDLE
    advapi.ReportEventW.argtypes = [
        wintypes.HANDLE,
        wintypes.WORD,
        wintypes.WORD,
        wintypes.DWORD,
        ctypes.c_void_p,
        wintypes.WORD,
        wintypes.DWORD,
        ctypes.POINTER(wintypes.LPCWSTR),
        ctypes.c_void_p,
    ]
    advapi.ReportEventW.restype = wintypes.BOOL
    advapi.DeregisterEventSource.argtypes = [wintypes.HANDLE]
    handle = advapi.RegisterEventSourceW(None, SOURCE)
    if not handle:
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        strings = (wintypes.LPCWSTR * 1)(text)
        if not advapi.ReportEventW(handle, EVENT_TYPES[level], 0, event_id, None, 1, 0, strings, None):
            raise ctypes.WinError(ctypes.get_last_error())
    finally:
        advapi.DeregisterEventSource(handle)
