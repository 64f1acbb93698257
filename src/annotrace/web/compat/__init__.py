"""The API compatible with the reference product's `/tracer/` endpoints."""
