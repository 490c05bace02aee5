"""mockserver: a contract mock server for the HTTP APIs of AI-memory products."""

import warnings

# connexion 3.3.0 imports starlette's test client at import time, which warns on every start.
warnings.filterwarnings("ignore", message=".*starlette.testclient.*")

__version__ = "0.1.0"
