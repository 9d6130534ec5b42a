"""Translated data vocabulary: commodity, FAOSTAT item and element, indicator, KPI, pillar,
programme, reserve, source and code-list labels in Arabic and French, English the fallback.

Interface text is translated by the gettext catalogs; data vocabulary is data (it grows with
what is ingested and the secretariat edits it), so it lives in the ``data_labels`` table,
seeded from the official multilingual sources shipped in ``seed/``.
"""
