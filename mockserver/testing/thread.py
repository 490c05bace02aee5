"""Run a real mockserver on a free 127.0.0.1 port inside the current process.

Tests talk to it over real HTTP, so they exercise exactly what a client sees: uvicorn, connexion
routing, the pipeline. The server runs in a daemon thread with its own event loop.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import uvicorn

from ..config import Settings
from ..server.app import MockServer
from ..server.run import uvicorn_options
from ..spec import Api, load_directory


class ServerThread:
    """A started server; use as a context manager or call `stop()`."""

    def __init__(self, settings: Settings, apis: list[Api] | None = None) -> None:
        self.apis = apis if apis is not None else load_directory(Path(settings.specs))
        # A guest in someone else's process (their tests): the collector is not frozen and
        # uvicorn is not let near the logging configuration.
        self.app = MockServer(self.apis, settings, freeze=False)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=0,
            access_log=False,
            log_config=None,
            lifespan="on",
            **uvicorn_options(settings),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="mockserver", daemon=True)

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("mockserver did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, api: str) -> str:
        """Base URL of `api`: what a client SDK should be configured with."""
        for candidate in self.apis:
            if candidate.name == api:
                return self.root + candidate.base_path
        raise KeyError(f"no API named {api!r}; loaded: {[a.name for a in self.apis]}")
