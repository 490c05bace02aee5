"""Shared by bench/run and bench/compare: wrk, servers on loopback, and reading their numbers.

Standard library only, so the scripts run before (or without) the project's virtualenv.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures" / "requests"
TOKEN = "test-token"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ensure_wrk() -> str:
    """wrk's path, installing it from Debian's packages when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("bench: installing wrk from Debian's packages", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def mockserver_command() -> str:
    return shutil.which("mockserver") or str(ROOT / ".venv" / "bin" / "mockserver")


def post(url: str, body: bytes, timeout: float = 2.0) -> int:
    """Status of one POST with the test token (0 when nothing answers)."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def reachable(url: str) -> bool:
    try:
        get_json(url + "/__admin/health")
        return True
    except OSError:
        return False


def stop(process: subprocess.Popen) -> None:
    """Stop a process we started, by its PID: SIGINT, then SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until(check, timeout: float, process: subprocess.Popen | None = None) -> float:
    """Seconds until `check()` is true; raises when it never is or `process` dies."""
    started = time.perf_counter()
    while not check():
        if process is not None and process.poll() is not None:
            raise SystemExit(f"bench: {process.args[0]} exited with {process.returncode}")
        if time.perf_counter() - started > timeout:
            raise SystemExit("bench: timed out waiting for a server")
        time.sleep(0.005)
    return time.perf_counter() - started


def vm_kb(pid: int, field: str) -> int:
    """A /proc/<pid>/status field in kB (VmHWM peak RSS, VmRSS current), summed over children."""
    total = 0
    for member in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *_descendants(int(child))]
    except OSError:
        pass
    return found


def lua_post(folder: Path, bodies: list[bytes], name: str = "post.lua") -> Path:
    """A wrk script that POSTs `bodies` in turn. One body is set once (`wrk.body`) rather than
    by a Lua function per request: wrk shares the cores with the server, and the function
    costs it enough CPU to take a fifth off two workers' throughput."""
    script = folder / name
    if len(bodies) == 1:
        script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {TOKEN}"\n'
            f"wrk.body = {json.dumps(bodies[0].decode())}\n"
        )
        return script
    listed = ", ".join(json.dumps(b.decode()) for b in bodies)
    script.write_text(
        f"local bodies = {{{listed}}}\n"
        "local i = 0\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {TOKEN}"\n'
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        "  return wrk.format(nil, nil, nil, bodies[i])\n"
        "end\n"
    )
    return script


def lua_get(folder: Path, name: str = "get.lua") -> Path:
    """A wrk script that GETs the URL it is given, with the test token."""
    script = folder / name
    script.write_text(f'wrk.method = "GET"\nwrk.headers["Authorization"] = "Bearer {TOKEN}"\n')
    return script


def lua_crud(folder: Path, collection: str, name: str = "crud.lua") -> Path:
    """A wrk script for a client's CRUD mix on `collection` (e.g. `/agentos/memories`): of every
    ten requests 3 creates, 4 reads by id, 2 lists of 20, 1 patch. Ids are taken from the
    answers (each thread keeps up to 1,000), so reads and patches address created objects."""
    script = folder / name
    create = json.dumps({"memory": "Prefers window seats on long flights", "user_id": "user-1", "topics": ["travel"]})
    patch = json.dumps({"memory": "Prefers aisle seats on long flights", "user_id": "user-1"})
    script.write_text(
        f"local base = {json.dumps(collection)}\n"
        f"local create = {json.dumps(create)}\n"
        f"local patch = {json.dumps(patch)}\n"
        "local ids = {}\n"
        "local n = 0\n"
        "local counter = 0\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {TOKEN}"\n'
        "request = function()\n"
        "  counter = counter + 1\n"
        "  local slot = counter % 10\n"
        "  if n == 0 or slot < 3 then return wrk.format('POST', base, nil, create) end\n"
        "  local id = ids[math.random(n)]\n"
        "  if slot < 7 then return wrk.format('GET', base .. '/' .. id) end\n"
        "  if slot < 9 then return wrk.format('GET', base .. '?limit=20') end\n"
        "  return wrk.format('PATCH', base .. '/' .. id, nil, patch)\n"
        "end\n"
        "response = function(status, headers, body)\n"
        "  local id = string.match(body, '\"memory_id\":\"([^\"]+)\"')\n"
        "  if id then\n"
        "    if n < 1000 then n = n + 1; ids[n] = id else ids[math.random(n)] = id end\n"
        "  end\n"
        "end\n"
    )
    return script


@dataclass(frozen=True)
class Result:
    rps: float
    p50: float
    p99: float
    requests: int
    non_2xx: int


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(wrk: str, url: str, script: Path, threads: int, connections: int, seconds: float) -> Result:
    output = subprocess.run(
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"50%\s+([\d.]+(?:us|ms|s|m))", output)
    p99 = re.search(r"99%\s+([\d.]+(?:us|ms|s|m))", output)
    count = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and count):
        raise SystemExit(f"bench: could not read wrk's output for {url}:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Result(float(rps.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), int(count.group(1)), int(non_2xx.group(1)) if non_2xx else 0)
