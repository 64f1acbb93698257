"""Export formats: pure encoders from exported spans to the bytes of a file.

Each format is a writer fed batches of `ExportSpan`s in order; it returns the bytes to
send after each batch, so an export of any size streams in constant memory.
"""
