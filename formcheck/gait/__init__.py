"""Gait stage: clean track, view and activity, gait events (pure functions)."""
