"""Checks for scratchdl/training.py (being written)."""
