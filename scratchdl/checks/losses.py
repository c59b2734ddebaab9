"""Checks for scratchdl/losses.py (being written)."""
