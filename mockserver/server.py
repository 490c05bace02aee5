"""Run the app under uvicorn and announce each API's base URL once the sockets are listening.

One uvicorn server owns every socket: the main port and, with `--port-per-api BASE`, one more per
API. The app tells them apart by the local port, so start-up, shutdown and signals stay single.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import uvicorn

from .app import MockServer, is_loopback
from .config import Settings
from .specs import Api


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, printing the base URLs once it really accepts connections."""

    def __init__(self, config: uvicorn.Config, apis: list[Api], settings: Settings) -> None:
        super().__init__(config)
        self.apis = apis
        self.settings = settings

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print(announcement(self.apis, self.settings, self.bound_port()), flush=True)

    def bound_port(self) -> int:
        for server in self.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self.config.port)


def announcement(apis: list[Api], settings: Settings, port: int) -> str:
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    root = f"http://{shown}:{port}"
    width = max(len(api.name) for api in apis)
    lines = [f"mockserver ready on {root} ({len(apis)} APIs)"]
    lines += [f"  {api.name.ljust(width)}  {root}{api.base_path}" for api in apis]
    if settings.port_per_api is not None:
        lines.append("  one port per API (--port-per-api):")
        for index, api in enumerate(apis):
            served = api.base_path[len(api.name) + 1 :]
            lines.append(f"  {api.name.ljust(width)}  http://{shown}:{settings.port_per_api + index}{served}")
    lines.append(f"  index: {root}/   health: {root}/__admin/health   journal: {root}/__admin/requests")
    if not is_loopback(settings.host):
        if settings.admin_token:
            lines.append("  /__admin/* requires 'Authorization: Bearer <--admin-token>' (not a loopback bind)")
        else:
            lines.append("  /__admin/* answers 403 on this non-loopback bind; set --admin-token to use it")
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


def _config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning", lifespan="on", **uvicorn_options())


def serve(apis: list[Api], settings: Settings) -> int:
    app = MockServer(apis, settings)
    config = _config(app, settings.host, settings.port)
    server = _AnnouncingServer(config, apis, settings)
    try:
        sockets = [config.bind_socket()]
        if settings.port_per_api is not None:
            sockets += [_config(app, settings.host, settings.port_per_api + i).bind_socket() for i in range(len(apis))]
    except SystemExit:
        print(f"mockserver: could not listen on {settings.host} (port in use or not permitted)", file=sys.stderr)
        return 1
    server.run(sockets=sockets)
    return 0 if server.started else 1
