"""Hot reload (`--watch`): documents edited, added or removed while the mock runs are served
without a restart, the way Prism and Mockoon do.

watchfiles (the Rust `notify` watcher uvicorn's own `--reload` uses) reports changes under the
specs directory, and under any directory a document's `$ref`s reach outside it. The whole
directory is loaded again in a thread, so requests keep being answered meanwhile, and the app
switches to the result between two requests: no connection is dropped. A document that no
longer loads changes nothing: its problem is printed (`file:line:col: ...`) and the previous
version keeps serving until the next save. APIs whose files did not change keep their `Api`
object, and with it their runtime; the journal and the stored records are never touched.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..spec import Api, SpecError
from ..spec.loader import SPEC_SUFFIXES, load_each

if TYPE_CHECKING:
    from .app import MockServer

# How long a burst of file events may last before it is acted on (an editor's save is often
# a write, a rename and a chmod), and how often watchfiles looks for the stop signal.
DEBOUNCE_MS = 150
STEP_MS = 50


class Watcher:
    """Watches `specs` and reloads `server` on every change, until `stop`."""

    def __init__(self, server: MockServer, specs: Path, strict: bool) -> None:
        self._server = server
        self._specs = specs
        self._strict = strict
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        from watchfiles import awatch

        roots = watched_roots(self._specs, self._server.apis)
        async for changes in awatch(
            *roots, stop_event=self._stop, debounce=DEBOUNCE_MS, step=STEP_MS, watch_filter=_is_document, recursive=True
        ):
            await self.reload({Path(path).resolve() for _, path in changes})

    async def reload(self, changed: set[Path]) -> None:
        """Load the documents again and serve them; a document that no longer loads keeps its
        previous version serving (and says why), the others are reloaded regardless."""
        try:
            loaded, failures = await asyncio.to_thread(load_each, self._specs, self._strict)
        except SpecError as unusable:  # the directory itself: gone, or empty
            sys.stderr.write(f"mockserver: {unusable}\nmockserver: still serving the previous version of every API\n")
            return
        for _name, problem in failures:
            sys.stderr.write(f"mockserver: {problem}\n" + "".join(f"  {line}\n" for line in problem.details))
        current = self._server.apis
        failed = {name for name, _ in failures if name is not None}
        apis = merged(current, loaded, changed, failed)
        kept = sorted(failed & {api.name for api in current})
        if kept:
            sys.stderr.write(
                f"mockserver: still serving the previous version of {', '.join(kept)}; fix the file and save it again\n"
            )
        if len(apis) != len(current) or any(new is not old for new, old in zip(apis, current, strict=True)):
            self._server.reload(apis)
            sys.stderr.write(f"mockserver: reloaded {self._specs}: {summary(current, apis)}\n")


def merged(
    current: list[Api], loaded: list[Api], changed: set[Path], failed: frozenset[str] | set[str] = frozenset()
) -> list[Api]:
    """`loaded`, with the `Api` of every document none of whose files changed taken from
    `current` instead (the same object: its runtime is kept), and the current `Api` of every
    document that `failed` to load again."""
    before = {api.name: api for api in current}
    result = {api.name: api for api in current if api.name in failed}
    for api in loaded:
        old = before.get(api.name)
        result[api.name] = old if old is not None and _unchanged(old, api, changed) else api
    return [result[name] for name in sorted(result)]


def _unchanged(old: Api, new: Api, changed: set[Path]) -> bool:
    files = {Path(f).resolve() for f in (*old.files, old.source)}
    touched = files & changed
    if old.source.resolve() != new.source.resolve():
        return False
    return not touched or (touched == {old.source.resolve()} and old.text == new.text)


def summary(before: list[Api], after: list[Api]) -> str:
    """`added x; changed y; removed z`."""
    old = {api.name: api for api in before}
    new = {api.name: api for api in after}
    parts = [
        (label, names)
        for label, names in (
            ("added", [name for name in new if name not in old]),
            ("changed", [name for name in new if name in old and new[name] is not old[name]]),
            ("removed", [name for name in old if name not in new]),
        )
        if names
    ]
    return "; ".join(f"{label} {', '.join(names)}" for label, names in parts)


def watched_roots(specs: Path, apis: Iterable[Api]) -> list[Path]:
    """The specs directory, plus the directories of files outside it that documents reference."""
    root = specs.resolve()
    outside = {
        Path(f).resolve().parent for api in apis for f in api.files if not Path(f).resolve().is_relative_to(root)
    }
    return [root, *sorted(d for d in outside if not any(d.is_relative_to(o) and d != o for o in outside))]


def _is_document(_change: object, path: str) -> bool:
    return path.endswith(SPEC_SUFFIXES)
