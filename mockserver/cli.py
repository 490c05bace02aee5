"""The `mockserver` command: `serve` runs the mock, `check` vets a specs directory."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .config import Settings, default_specs
from .mocker.faults import Chaos, parse_latency, parse_rate
from .spec import Api, SpecError, load_directory, placed_nits
from .spec.gaps import spec_gaps
from .validator.security import ENV_TOKENS, MODES
from .vendor.forward import UpstreamError, missing_client, parse_upstream

EXIT_SPEC_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one line (and exit 2), not the usage block too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_SPEC_ERROR, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mockserver",
        description="Contract mock server for the HTTP APIs of AI-memory products.",
    )
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="serve every OpenAPI document in the specs directory",
        description="Serve every OpenAPI document in the specs directory from one process.",
    )
    _add_specs_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    serve.add_argument(
        "--port", type=_port, default=8080, help="port to bind, 0 for any free port (default: %(default)s)"
    )
    serve.add_argument("--quiet", action="store_true", help="no access log line per request")
    serve.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="T",
        help=f"accept credential T in addition to fixtures/tokens.yaml and ${ENV_TOKENS} (repeatable)",
    )
    serve.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="reproducible answers: the same requests get byte-identical responses (ids and timestamps included)",
    )
    serve.add_argument(
        "--locale",
        type=_locale,
        default="en_US",
        help="Faker locale for invented names, places, text (default: %(default)s)",
    )
    serve.add_argument(
        "--journal-size",
        type=_positive,
        default=10_000,
        metavar="N",
        help="requests (and created records) kept for /__admin (default: %(default)s)",
    )
    serve.add_argument(
        "--cors-origin",
        type=_origins,
        default="*",
        metavar="ORIGINS",
        help=(
            "Access-Control-Allow-Origin: * or comma-separated origins such as http://localhost:5173 (default: "
            "%(default)s)"
        ),
    )
    serve.add_argument(
        "--latency",
        type=_latency,
        metavar="MS|LOW-HIGH",
        help="delay every answer by MS, or uniformly LOW to HIGH milliseconds (seeded)",
    )
    serve.add_argument(
        "--error-rate",
        type=_rate,
        default=0.0,
        metavar="P",
        help="answer this share (0..1) of valid requests with a declared 5xx (seeded)",
    )
    serve.add_argument(
        "--port-per-api",
        type=_port,
        metavar="BASE",
        help="also serve API i (in the order printed) alone on port BASE+i under its spec's server path",
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="worker processes on the same port, sharing the journal through SQLite (default: %(default)s)",
    )
    serve.add_argument(
        "--admin-token",
        metavar="T",
        help="bearer token for /__admin/* (required to use it when --host is not a loopback address)",
    )
    serve.add_argument(
        "--max-body",
        type=_size,
        default=10 * 1024 * 1024,
        metavar="SIZE",
        help="largest request body accepted, in bytes or with a K/M/G suffix; larger ones get 413 (default: 10M)",
    )
    serve.add_argument(
        "--watch",
        action="store_true",
        help=(
            "reload documents when they change (edit, add, remove) without a restart; a broken edit keeps the "
            "previous version serving"
        ),
    )
    serve.add_argument(
        "--stateless",
        action="store_true",
        help="invent every answer per request: nothing created is stored or read back",
    )
    serve.add_argument(
        "--state",
        type=_state_url,
        metavar="URL",
        help=(
            "where resources live: in this process by default (SQLite across --workers); sqlite:///FILE keeps them "
            "across restarts; redis://HOST:PORT/DB shares them, and the journal, between mock processes on any hosts"
        ),
    )
    serve.add_argument(
        "--max-records",
        type=_positive,
        default=100_000,
        metavar="N",
        help="stored objects per API; the oldest is evicted beyond this (default: %(default)s)",
    )
    serve.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help=(
            "initial data: DIR/<api>/*.json seeds collections at start and on reset (default: ./fixtures/data if "
            "present)"
        ),
    )
    serve.add_argument(
        "--upstream",
        type=_upstream,
        action="append",
        default=[],
        metavar="NAME=URL",
        help=(
            "validating proxy: forward API NAME's requests to the real vendor at URL (its server URL), answer what "
            "it answers, and report how both sides depart from the document (repeatable)"
        ),
    )
    serve.add_argument(
        "--upstream-timeout",
        type=_seconds,
        default=30.0,
        metavar="S",
        help="seconds to wait for an upstream's answer before a 504 (default: 30)",
    )
    serve.add_argument(
        "--fidelity",
        choices=("spec", "observed"),
        default="spec",
        help=(
            "spec: the document is the contract (default); observed: also follow what the real vendor was seen to do "
            "(fixtures/observed/<api>.yaml)"
        ),
    )
    serve.add_argument(
        "--observed",
        type=Path,
        metavar="DIR",
        help="where --fidelity observed reads <api>.yaml (default: the bundled fixtures/observed)",
    )
    serve.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help=(
            "write every exchange to DIR/<api>/NNNN-METHOD-operation-STATUS.json (credentials masked), for review, "
            "drift and learn"
        ),
    )
    serve.add_argument(
        "--auth",
        choices=MODES,
        default="tokens",
        help="tokens: only known credentials (default); any: any well-formed credential; off: no check",
    )

    check = commands.add_parser(
        "check",
        help="load and validate every spec, print what would be served",
        description="Load and validate every spec; print a table of what would be served.",
    )
    _add_specs_option(check)

    drift = commands.add_parser(
        "drift",
        help="how the real vendor departs from its document, from a recording or a proxy's journal",
        description=(
            "Judge recorded traffic with the real vendor (--upstream) against the documents and print, per operation, "
            "where the vendor departs from them. Exit 1 when it does, 0 when it does not."
        ),
    )
    _add_specs_option(drift)
    drift.add_argument("recording", nargs="?", type=Path, metavar="DIR", help="a --record folder")
    drift.add_argument(
        "--journal", metavar="URL", help="read the journal of the mock running at URL instead (its proxied requests)"
    )
    drift.add_argument("--admin-token", metavar="T", help="the --admin-token of that mock, when it needs one")
    drift.add_argument("--json", action="store_true", help="print JSON for CI instead of text")

    learn = commands.add_parser(
        "learn",
        help="draft fixtures/observed/<api>.yaml from a recording of the real vendor",
        description=(
            "Draft the observed-behaviour file of each recorded API (for serve --fidelity observed) from a --record "
            "folder; a person reviews it before committing."
        ),
    )
    _add_specs_option(learn)
    learn.add_argument("recording", type=Path, metavar="DIR", help="a --record folder of proxied exchanges")
    learn.add_argument(
        "--vendor", default="", metavar="TEXT", help="what was recorded, written into the file (e.g. 'agno 3.1.10')"
    )
    learn.add_argument("--out", type=Path, metavar="DIR", help="write DIR/<api>.yaml (default: print)")
    return parser


def _add_specs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse documents with any OpenAPI violation (by default they are served and the violations listed)",
    )
    parser.add_argument(
        "--specs",
        type=Path,
        default=None,
        metavar="DIR",
        help=(
            "directory of *.yaml, *.yml, *.json OpenAPI 3.0/3.1 documents (default: ./specs if present, else the "
            "five bundled vendor specs)"
        ),
    )


def _upstream(text: str) -> tuple[str, str]:
    try:
        return parse_upstream(text)
    except UpstreamError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds such as 30 or 2.5, not {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600 seconds")
    return value


def _latency(text: str) -> tuple[float, float]:
    try:
        return parse_latency(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _origins(text: str) -> str:
    """`*`, or origins with their scheme: a browser sends `http://localhost:5173`, never
    `localhost:5173`, so an origin without one would silently match nothing."""
    if text.strip() == "*":
        return text
    for origin in (o.strip() for o in text.split(",")):
        if not re.fullmatch(r"https?://[^/\s]+/?", origin):
            raise argparse.ArgumentTypeError(f"expected * or origins such as http://localhost:5173, not {origin!r}")
    return text


def _state_url(text: str) -> str:
    if not re.fullmatch(r"rediss?://[^/\s]+(/\d+)?/?|sqlite:///.+", text):
        raise argparse.ArgumentTypeError(f"expected redis://HOST:PORT/DB or sqlite:///FILE, not {text!r}")
    return text


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, not {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {value}")
    return value


def _locale(text: str) -> str:
    from faker.config import AVAILABLE_LOCALES

    if text not in AVAILABLE_LOCALES:
        near = sorted(locale for locale in AVAILABLE_LOCALES if locale.split("_")[0] == text.split("_")[0])[:6]
        hint = f" (for this language: {', '.join(near)})" if near else " (such as en_US, de_DE, fr_FR, ja_JP)"
        raise argparse.ArgumentTypeError(f"Faker has no locale {text!r}{hint}")
    return text


def _size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([kmg]?)i?b?\s*", text.lower())
    if not match:
        raise argparse.ArgumentTypeError(f"expected a size such as 1048576, 512K or 10M, not {text!r}")
    return int(match.group(1)) * int(1024 ** " kmg".index(match.group(2) or " "))


def _rate(text: str) -> float:
    try:
        return parse_rate(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    specs = args.specs or default_specs()
    try:
        apis = load_directory(specs, strict=args.strict)
    except SpecError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        for line in exc.details:
            print(f"  {line}", file=sys.stderr)
        return EXIT_SPEC_ERROR
    if args.command == "check":
        print(check_report(apis))
        return 0
    if args.command == "drift":
        return drift_command(apis, args)
    if args.command == "learn":
        return learn_command(apis, args)
    names = {api.name for api in apis}
    if args.upstream and (missing := missing_client()):
        print(f"mockserver: {missing}", file=sys.stderr)
        return EXIT_SPEC_ERROR
    if args.port_per_api is not None and not 1 <= args.port_per_api <= 65536 - len(apis):
        last = args.port_per_api + len(apis) - 1
        print(
            f"mockserver: --port-per-api {args.port_per_api}: {len(apis)} API{'s' if len(apis) != 1 else ''} need "
            f"ports {args.port_per_api} to {last}, which must lie within 1 to 65535",
            file=sys.stderr,
        )
        return EXIT_SPEC_ERROR
    problem = _folder_problem(args)
    if problem is not None:
        print(f"mockserver: {problem}", file=sys.stderr)
        return EXIT_SPEC_ERROR
    unknown = [name for name, _ in args.upstream if name not in names]
    if unknown:
        print(
            f"mockserver: --upstream {unknown[0]}: no such API (serving: {', '.join(sorted(names))})", file=sys.stderr
        )
        return EXIT_SPEC_ERROR
    _warn_about_nits_in_background(apis)
    settings = Settings(
        specs=specs,
        host=args.host,
        port=args.port,
        quiet=args.quiet,
        auth=args.auth,
        tokens=tuple(args.token),
        seed=args.seed,
        locale=args.locale,
        chaos=Chaos(latency=args.latency, error_rate=args.error_rate),
        journal_size=args.journal_size,
        cors_origin=args.cors_origin,
        admin_token=args.admin_token,
        port_per_api=args.port_per_api,
        workers=args.workers,
        max_body=args.max_body,
        strict=args.strict,
        stateless=args.stateless,
        state=args.state,
        max_records=args.max_records,
        watch=args.watch,
        upstreams=dict(args.upstream),
        upstream_timeout=args.upstream_timeout,
        record=args.record,
        fidelity=args.fidelity,
        **({"observed": args.observed} if args.observed is not None else {}),
        **({"data": args.data} if args.data is not None else {}),
    )
    from .server.run import serve

    return serve(apis, settings)


def _folder_problem(args: argparse.Namespace) -> str | None:
    """Why a folder flag of `serve` cannot be used, before anything starts: `--data` and
    `--observed` must exist, `--record` must be a folder that can be written."""
    if args.data is not None and not args.data.is_dir():
        return f"--data {args.data}: no such folder"
    if args.observed is not None and not args.observed.is_dir():
        return f"--observed {args.observed}: no such folder"
    if args.record is not None:
        try:
            args.record.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"--record {args.record}: {exc.strerror or exc}"
    return None


def drift_command(apis: list[Api], args: argparse.Namespace) -> int:
    """`mockserver drift`: 1 when the vendor departs from its documents, 0 when not, 2 when the
    traffic cannot be read."""
    import json

    from .vendor.drift import analyse, render_text
    from .vendor.exchanges import SourceError, from_journal, from_recording

    if (args.recording is None) == (args.journal is None):
        print("mockserver: drift needs a recording folder or --journal URL (one of them)", file=sys.stderr)
        return EXIT_SPEC_ERROR
    try:
        exchanges = (
            from_recording(args.recording)
            if args.recording is not None
            else from_journal(args.journal, args.admin_token)
        )
    except SourceError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return EXIT_SPEC_ERROR
    if not exchanges:
        where = args.recording or args.journal
        print(
            f"mockserver: {where}: no proxied exchanges to judge (record them with serve --upstream NAME=URL --record "
            "DIR)",
            file=sys.stderr,
        )
        return EXIT_SPEC_ERROR
    report = analyse(apis, exchanges)
    print(json.dumps(report.as_json(), indent=2) if args.json else render_text(report))
    return 1 if report.drift else 0


def learn_command(apis: list[Api], args: argparse.Namespace) -> int:
    """`mockserver learn`: the drafts, printed or written; 2 when there is nothing to learn from."""
    from .vendor.exchanges import SourceError, from_recording
    from .vendor.learn import dump, learn

    try:
        exchanges = from_recording(args.recording)
    except SourceError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return EXIT_SPEC_ERROR
    drafts = learn(apis, exchanges, args.vendor)
    if not drafts:
        print(
            f"mockserver: {args.recording}: no proxied exchanges of a served operation to learn from", file=sys.stderr
        )
        return EXIT_SPEC_ERROR
    for api, data in drafts.items():
        text = dump(data, api)
        if args.out is None:
            print(text, end="")
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{api}.yaml").write_text(text, encoding="utf-8")
        print(f"mockserver: wrote {args.out / f'{api}.yaml'} — review it before committing", file=sys.stderr)
    return 0


def resource_report(apis: list[Api]) -> tuple[list[str], list[str]]:
    """The resource map derived per API, and the spec gaps it adds: reads, merges and deletes
    that cannot answer a missing object 404 (no 404 declared, no error style in the API)."""
    from .journal.memory import Journal
    from .server.pipeline import MockedApi
    from .validator.security import AuthPolicy

    lines = ["\nResources (what is created can be read, listed, changed, deleted):"]
    gaps = []
    for api in apis:
        mocked = MockedApi(api, Settings(), AuthPolicy("off", frozenset()), Journal(1))
        described = mocked.resources.describe(api)
        lines.append(
            f"  {api.name}: "
            + ("none, every operation is an action" if not described or described[0].startswith("actions") else "")
        )
        lines += [f"    {line}" for line in described]
        by_id = api.by_routing_id()
        for resource in mocked.resources.resources:
            for rid, role in resource.roles.items():
                if role in ("read", "merge", "delete") and not mocked.can_404(by_id[rid]):
                    op = by_id[rid]
                    gaps.append(
                        f"{api.name} {op.method} {op.path}: no 404 declared and no error style: a missing object is "
                        "answered as if it existed (invented)"
                    )
    return lines, gaps


def check_report(apis: list[Api]) -> str:
    """What `mockserver check` prints: the table, every nit with its position, the spec gaps,
    the resource map."""
    lines = [check_table(apis)]
    nits = [nit for api in apis for nit in placed_nits(api)]
    lines.append(
        f"\nSpec problems served anyway ({len(nits)}; --strict refuses them):" if nits else "\nSpec problems: none"
    )
    lines += [f"  {nit}" for nit in nits]
    resources, resource_gaps = resource_report(apis)
    gaps = [str(gap) for api in apis for gap in spec_gaps(api)] + resource_gaps
    lines.append(f"\nSpec gaps, statuses answered but not declared ({len(gaps)}):" if gaps else "\nSpec gaps: none")
    lines += [f"  {gap}" for gap in gaps]
    lines += resources
    return "\n".join(lines)


def _warn_about_nits_in_background(apis: list[Api]) -> None:
    """Print the nit warnings while the server already starts: validating a large document takes
    seconds that start-up should not wait for. A forked process does it on another core; a thread
    would hold the GIL against start-up itself (a 1.7 MB document: 8 s to healthy, not 2.7 s)."""
    if "fork" in multiprocessing.get_all_start_methods():
        multiprocessing.get_context("fork").Process(
            target=_warn_about_nits, args=(apis, True), name="mockserver-nits", daemon=True
        ).start()
    else:
        threading.Thread(target=_warn_about_nits, args=(apis,), name="mockserver-nits", daemon=True).start()


def _warn_about_nits(apis: list[Api], child: bool = False) -> None:
    """One warning line per API served despite its nits. In a child process Ctrl-C is left to
    the parent, and the child ends as soon as the parent is gone, however it ended."""
    if child:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    for api in apis:
        if api.nits:
            print(f"mockserver: warning: {nits_summary(api)}", file=sys.stderr, flush=True)


def _exit_with_parent(parent: int) -> None:
    """Polls for the parent's end (a killed server leaves no one to print to)."""
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def nits_summary(api: Api) -> str:
    """One line for `serve`: how many problems a served document has, and the first of them."""
    count = len(api.nits)
    first = api.nits[0]
    return (
        f"{api.source}: {count} spec problem{'s' if count != 1 else ''} served anyway "
        f"(first: {first.pointer or '(root)'}: {first.message}); 'mockserver check' lists them, --strict refuses them"
    )


def check_table(apis: list[Api]) -> str:
    """One row per API: what `serve` would mount and what each document declares."""
    header = ("API", "OpenAPI", "base path", "operations", "security schemes", "status codes")
    rows = [
        (
            api.name,
            api.openapi,
            api.base_path,
            str(len(api.operations)),
            ", ".join(api.security_schemes) or "-",
            ", ".join(api.declared_statuses()) or "-",
        )
        for api in apis
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
