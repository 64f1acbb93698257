"""The web dashboard: server-rendered pages, a small script of our own, no build step."""
