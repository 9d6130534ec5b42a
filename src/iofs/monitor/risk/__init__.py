"""Composite risk indices: a declared tree of indicators aggregated to 0–10 (INFORM-style)."""
