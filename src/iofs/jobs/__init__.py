"""Background jobs: a queue of uploads, imports, ingests, fetches and digests, with their pages."""
