"""Simulated slowness and failure, for testing how clients cope with a struggling vendor.

`--latency 50-200` delays every answer by a uniform draw in that range (ms); `Prefer: delay=ms`
sets one request's delay. `--error-rate 0.05` answers that share of otherwise successful requests
with a declared 5xx (or a 500 in the API's error style). Draws come from each API's seeded
`chaos` stream, so a seeded run injects the same faults at the same requests.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Chaos:
    """The configured latency range (ms, inclusive) and fault rate (0..1)."""

    latency: tuple[float, float] | None = None
    error_rate: float = 0.0

    def delay_ms(self, rng: random.Random, preferred: int | None) -> float:
        if preferred is not None:
            return float(preferred)
        if self.latency is None:
            return 0.0
        low, high = self.latency
        return rng.uniform(low, high)

    def fails(self, rng: random.Random) -> bool:
        return self.error_rate > 0 and rng.random() < self.error_rate


def parse_latency(text: str) -> tuple[float, float]:
    """`"120"` or `"50-200"` (milliseconds) → an inclusive range."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?", text)
    if not match:
        raise ValueError(f"latency must be MS or LOW-HIGH in milliseconds, not {text!r}")
    low = float(match.group(1))
    high = float(match.group(2)) if match.group(2) else low
    if high < low:
        raise ValueError(f"latency range {text!r} is reversed")
    return low, high


def parse_rate(text: str) -> float:
    rate = float(text)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"error rate must be between 0 and 1, not {text}")
    return rate
