"""Readers of hourly grid-intensity files: the bounded text reader, the export formats, hourly conversion.

``lca.study.grid_profile`` is the entry point (``read_profile``); the modules here are its parts.
"""
