"""Measurements on the pose track: pure functions of numpy arrays (no I/O)."""
