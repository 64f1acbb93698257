"""OpenTelemetry (OTLP/HTTP) trace ingest: decoding requests and encoding replies."""
