"""Wire formats of the API, shared by the server and the SDK."""
