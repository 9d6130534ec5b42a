"""Append-only audit log of every change made by a person or token, with a hash chain."""
