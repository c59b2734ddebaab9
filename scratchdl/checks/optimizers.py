"""Checks for scratchdl/optimizers.py (being written)."""
