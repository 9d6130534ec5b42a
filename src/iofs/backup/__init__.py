"""Backups: a consistent online snapshot of an installation, and its restore.

``iofs backup`` writes one archive holding every table's rows (a logical dump read in one
consistent snapshot of the database), the files of the data directory (the analytics store,
stored documents) and, when asked, the secret key, with a manifest of row counts and
SHA-256 digests. ``iofs restore`` loads an archive into an empty database and data directory
and checks the result against the manifest before saying it is done.
"""
