"""Each API's own randomness and clock, so `--seed` makes every answer reproducible.

Seeded, an API's stream depends only on the seed and the API's name: traffic on one API never
changes another's answers, and a fresh server fed the same requests answers byte for byte the
same, timestamps included, because the clock starts at a fixed instant and advances by seeded
steps. Unseeded, values differ run to run and the clock is the real one.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import uuid

from faker import Faker

SEEDED_EPOCH = dt.datetime(2025, 3, 1, 9, 0, 0, tzinfo=dt.UTC)
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


class Streams:
    """Random numbers, a Faker and a clock for one API; `chaos` is a separate stream for
    latency and injected faults, so turning those on never changes the data answered."""

    def __init__(self, api: str, seed: int | None, locale: str) -> None:
        self.api = api
        self.seed = seed
        self.locale = locale
        self.faker = Faker(locale)
        self.rng = random.Random()
        self.chaos = random.Random()
        self._seeded_now = SEEDED_EPOCH
        self.reset()

    def reseed(self, seed: int | None) -> None:
        """Start over as if created with `seed`."""
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Back to the start of the stream (a seeded server then repeats itself exactly)."""
        if self.seed is None:
            self.rng.seed()
            self.chaos.seed()
        else:
            self.rng.seed(f"{self.seed}:{self.api}")
            self.chaos.seed(f"{self.seed}:{self.api}:chaos")
        self.faker.seed_instance(self.rng.getrandbits(64))
        self._seeded_now = SEEDED_EPOCH

    def now(self) -> dt.datetime:
        """The creation instant of the next object: real time, or the seeded clock's next tick."""
        if self.seed is None:
            return dt.datetime.now(dt.UTC).replace(microsecond=0)
        self._seeded_now += dt.timedelta(seconds=self.rng.randint(1, 90))
        return self._seeded_now

    def base_time(self) -> dt.datetime:
        """The clock's current reading, without advancing it."""
        return self._seeded_now if self.seed is not None else dt.datetime.now(dt.UTC)

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def token(self, length: int = 12) -> str:
        return "".join(self.rng.choices(_TOKEN_ALPHABET, k=length))


def rfc3339(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with a `Z`, second precision: what the vendors' examples show. The
    last instant formatted is remembered: under load, every create in a second asks for it."""
    global _last
    last = _last  # one read: another thread may replace it meanwhile
    if last[0] == moment:
        return last[1]
    text = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _last = (moment, text)
    return text


_last: tuple[dt.datetime | None, str] = (None, "")
