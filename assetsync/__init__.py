"""assetsync: every Snipe-IT hardware asset in your own PostgreSQL, every time, or a loud failure."""

__version__ = "0.1.0"
