"""Snipe-IT's activity log: reading it incrementally, and the rows it becomes."""
