"""mockserver: a contract mock server for the HTTP APIs of AI-memory products."""

__version__ = "0.2.0"
