"""Packaged routing model files (``CURRENT`` names the one Classify falls back to)."""
