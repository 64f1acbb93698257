"""Services: one function per use case, each taking a session as a keyword argument."""
