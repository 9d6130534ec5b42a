"""Programmes, appeals, contributions and deliveries (who gave what, what reached whom)."""
