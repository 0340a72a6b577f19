"""Worked studies on real data (used by the example notebooks)."""
