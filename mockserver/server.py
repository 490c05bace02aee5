"""Run the app under uvicorn and announce each API's base URL once the socket is listening."""

from __future__ import annotations

import socket
import sys
from typing import Any

import uvicorn

from .app import MockServer
from .config import Settings
from .specs import Api


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, printing the base URLs once it really accepts connections."""

    def __init__(self, config: uvicorn.Config, apis: list[Api]) -> None:
        super().__init__(config)
        self.apis = apis

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print(announcement(self.apis, self.config.host, self.bound_port()), flush=True)

    def bound_port(self) -> int:
        for server in self.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self.config.port)


def announcement(apis: list[Api], host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    root = f"http://{shown}:{port}"
    width = max(len(api.name) for api in apis)
    lines = [f"mockserver ready on {root} ({len(apis)} APIs)"]
    lines += [f"  {api.name.ljust(width)}  {root}{api.base_path}" for api in apis]
    lines.append(f"  index: {root}/   health: {root}/__admin/health")
    return "\n".join(lines)


def uvicorn_options() -> dict[str, Any]:
    """The fastest loop and parser installed; uvicorn falls back to asyncio/h11 otherwise."""
    options: dict[str, Any] = {"loop": "asyncio", "http": "h11"}
    try:
        import uvloop  # noqa: F401

        options["loop"] = "uvloop"
    except ImportError:
        pass
    try:
        import httptools  # noqa: F401

        options["http"] = "httptools"
    except ImportError:
        pass
    return options


def serve(apis: list[Api], settings: Settings) -> int:
    app = MockServer(apis, settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="warning",
        lifespan="on",
        **uvicorn_options(),
    )
    server = _AnnouncingServer(config, apis)
    server.run()
    if not server.started:
        print(f"mockserver: could not listen on {settings.host}:{settings.port}", file=sys.stderr)
        return 1
    return 0
