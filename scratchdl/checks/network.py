"""Checks for scratchdl/network.py (being written)."""
