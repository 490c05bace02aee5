"""Run the app under uvicorn and announce each API's base URL once the sockets are listening.

One uvicorn server owns every socket: the main port and, with `--port-per-api BASE`, one more per
API. The app tells them apart by the local port, so start-up, shutdown and signals stay single.
With `--workers N`, uvicorn's supervisor runs N processes on those same sockets; each builds its
own app from the settings passed in the environment and shares one SQLite journal.
"""

from __future__ import annotations

import dataclasses
import errno
import inspect
import json
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn

from ..config import Settings, sqlite_file
from ..mocker.faults import Chaos
from ..spec import Api, load_directory
from ..state.seeding import SeedError
from ..vendor import observed
from ..vendor.observed import ObservedError
from .app import MockServer, credential_names, is_loopback

_WORKER_SETTINGS = "MOCKSERVER_WORKER_SETTINGS"
_WORKER_JOURNAL = "MOCKSERVER_WORKER_JOURNAL"
_WORKER_FACTORY = "mockserver.server.run:worker_app"


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
    lines = [f"mockserver ready on {root} ({len(apis)} API{'' if len(apis) == 1 else 's'})"]
    lines += [f"  {api.name.ljust(width)}  {root}{api.base_path}{_proxied(api, settings)}" for api in apis]
    if settings.port_per_api is not None:
        lines.append("  one port per API (--port-per-api):")
        for index, api in enumerate(apis):
            served = api.base_path[len(api.name) + 1 :]
            lines.append(f"  {api.name.ljust(width)}  http://{shown}:{settings.port_per_api + index}{served}")
    lines.append(f"  index: {root}/   inspector: {root}/__admin/   health: {root}/__admin/health")
    if settings.fidelity == "observed":
        following = [
            f"{api.name} ({b.vendor or b.source.name})"
            for api in apis
            if (b := observed.load(settings.observed, api.name)) is not None
        ]
        lines.append(
            f"  --fidelity observed: {', '.join(following) or 'no API'} as observed in {settings.observed}; the rest "
            "as documented"
        )
    if settings.record is not None:
        lines.append(f"  recording every exchange to {settings.record}/<api>/ (--record)")
    if settings.watch:
        lines.append(f"  watching {settings.specs} for changes (--watch)")
    if not is_loopback(settings.host):
        if settings.admin_token:
            lines.append("  /__admin/* requires 'Authorization: Bearer <--admin-token>' (not a loopback bind)")
        else:
            lines.append("  /__admin/* answers 403 on this non-loopback bind; set --admin-token to use it")
    return "\n".join(lines)


def _proxied(api: Api, settings: Settings) -> str:
    url = settings.upstreams.get(api.name)
    return f"  -> {url} (validating proxy)" if url else ""


def uvicorn_options(settings: Settings | None = None) -> dict[str, Any]:
    """The fastest loop and parser installed; uvicorn falls back to asyncio/h11 otherwise.
    Behind `--upstream`, uvicorn adds no `Date` or `Server` of its own: a proxied answer
    carries the vendor's (the app dates the mocked ones itself)."""
    options: dict[str, Any] = {"loop": "asyncio", "http": "h11"}
    if settings is not None and settings.upstreams:
        options.update(server_header=False, date_header=False)
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


def _config(app: Any, settings: Settings, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=port,
        access_log=False,
        log_level="warning",
        lifespan="on",
        **uvicorn_options(settings),
    )


def serve(apis: list[Api], settings: Settings) -> int:
    ports = [settings.port]
    if settings.port_per_api is not None:
        ports += [settings.port_per_api + i for i in range(len(apis))]
    sockets = []
    for port in ports:
        try:
            sockets.append(bind(settings.host, port))
        except OSError as exc:
            for sock in sockets:
                sock.close()
            if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
                print(
                    f"mockserver: --host {settings.host}: not an address of this machine ({exc.strerror or exc})",
                    file=sys.stderr,
                )
                return 2
            shown = f"[{settings.host}]" if ":" in settings.host else settings.host
            print(f"mockserver: could not listen on {shown}:{port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    try:
        app = MockServer(
            apis,
            settings if settings.workers == 1 else dataclasses.replace(settings, state=None),
            answer_first=settings.workers == 1,
        )
    except (RuntimeError, SeedError, ObservedError) as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    if settings.workers > 1:  # the app above only vetted the initial data; workers build their own
        return _serve_workers(apis, settings, sockets)
    server = _AnnouncingServer(_config(app, settings, settings.port), apis, settings)
    server.run(sockets=sockets)
    return 0 if server.started else 1


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` (uvicorn listens on it), as uvicorn binds one, but failing
    with the `OSError` itself so the message can name the address."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _serve_workers(apis: list[Api], settings: Settings, sockets: list[socket.socket]) -> int:
    """N worker processes on the bound sockets; the banner is printed once they are spawned
    (connections made meanwhile wait in the listen backlog)."""
    folder = Path(tempfile.mkdtemp(prefix="mockserver-journal-"))
    os.environ[_WORKER_SETTINGS] = _encode(settings)
    os.environ[_WORKER_JOURNAL] = str(folder)
    config = _config(_WORKER_FACTORY, settings, settings.port)
    config.factory = True
    config.workers = settings.workers
    port = int(sockets[0].getsockname()[1])
    print(
        announcement(apis, settings, port) + f"\n  {settings.workers} worker processes, one shared journal and state",
        flush=True,
    )
    try:
        _supervisor(config, sockets).run()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _supervisor(config: uvicorn.Config, sockets: list[socket.socket]) -> Any:
    """uvicorn's process supervisor; before uvicorn 0.51 it is also handed each worker's target."""
    from uvicorn.supervisors import Multiprocess

    supervisor: Any = Multiprocess  # its signature depends on the installed uvicorn
    if "target" in inspect.signature(Multiprocess).parameters:
        return supervisor(config, target=uvicorn.Server(config).run, sockets=sockets)
    return supervisor(config, sockets=sockets)


def worker_app() -> MockServer:
    """The app of one `--workers` process (uvicorn imports and calls this factory)."""
    from ..journal.shared import SharedJournal
    from ..state.sqlite import SqliteStore

    settings = _decode(os.environ[_WORKER_SETTINGS])
    apis = load_directory(settings.specs)
    if settings.state is not None and sqlite_file(settings.state) is None:
        return MockServer(apis, settings)
    folder = Path(os.environ[_WORKER_JOURNAL])
    journal = SharedJournal(folder, settings.journal_size, credential_names(apis))
    database = sqlite_file(settings.state) or folder / "state.sqlite3"
    store = None if settings.stateless else SqliteStore(database, settings.max_records)
    return MockServer(apis, settings, journal, store)


def _encode(settings: Settings) -> str:
    fields = dataclasses.asdict(settings)
    fields["specs"] = str(settings.specs)
    fields["data"] = str(settings.data) if settings.data is not None else None
    fields["record"] = str(settings.record) if settings.record is not None else None
    fields["observed"] = str(settings.observed)
    fields["upstreams"] = dict(settings.upstreams)
    return json.dumps(fields)


def _decode(text: str) -> Settings:
    fields = json.loads(text)
    chaos = fields.pop("chaos")
    return Settings(
        **{
            **fields,
            "specs": Path(fields["specs"]),
            "data": Path(fields["data"]) if fields["data"] is not None else None,
            "record": Path(fields["record"]) if fields["record"] is not None else None,
            "observed": Path(fields["observed"]),
            "tokens": tuple(fields["tokens"]),
            "chaos": Chaos(
                latency=tuple(chaos["latency"]) if chaos["latency"] else None, error_rate=chaos["error_rate"]
            ),
        }
    )
