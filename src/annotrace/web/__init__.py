"""HTTP: the FastAPI app, its routes and the translation of domain errors."""
