"""Checks for scratchdl/gradcheck.py (being written)."""
