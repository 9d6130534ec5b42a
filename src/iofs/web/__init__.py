"""Web layer: FastAPI app factory, templates, static assets, languages."""
