"""Storage: models, the engine, upserts and migrations."""
