"""Checks for scratchdl/layers.py (being written)."""
