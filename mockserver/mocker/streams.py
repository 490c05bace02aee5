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
import time

from faker import Faker

SEEDED_EPOCH = dt.datetime(2025, 3, 1, 9, 0, 0, tzinfo=dt.UTC)
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits
_TOKEN_SIZE = float(len(_TOKEN_ALPHABET))
# RFC 4122 version 4: the version nibble is 4, the variant's two top bits are 10
_UUID_V4 = (0x4 << 76) | (0x8000 << 48)
_UUID_KEEP = ~((0xF000 << 64) | (0xC000 << 48))


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
            return _this_second()
        self._seeded_now += dt.timedelta(seconds=self.rng.randint(1, 90))
        return self._seeded_now

    def base_time(self) -> dt.datetime:
        """The clock's current reading, without advancing it."""
        return self._seeded_now if self.seed is not None else dt.datetime.now(dt.UTC)

    def uuid4(self) -> str:
        """`str(uuid.UUID(int=rng.getrandbits(128), version=4))`, the same text from the same
        stream, without building a UUID object (a fifth of a create's id minting)."""
        bits = self.rng.getrandbits(128) & _UUID_KEEP | _UUID_V4
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def token(self, length: int = 12) -> str:
        """`"".join(rng.choices(alphabet, k=length))`, the same characters from the same
        stream (`choices` floors `random() * 36.0`), without its per-call set-up."""
        draw = self.rng.random
        return "".join([_TOKEN_ALPHABET[int(draw() * _TOKEN_SIZE)] for _ in range(length)])


def _this_second() -> dt.datetime:
    """Now, to the second. Under load every create in a second asks for it, so the instant
    is remembered with the second it stands for (one read: another thread may replace it)."""
    global _second
    second = int(time.time())
    remembered = _second
    if remembered[0] == second:
        return remembered[1]
    moment = dt.datetime.fromtimestamp(second, dt.UTC)
    _second = (second, moment)
    return moment


def rfc3339(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with a `Z`, second precision: what the vendors' examples show. The
    last instant formatted is remembered: under load, every create in a second asks for it."""
    global _last
    last = _last  # one read: another thread may replace it meanwhile
    if last[0] is moment or last[0] == moment:
        return last[1]
    text = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    _last = (moment, text)
    return text


_last: tuple[dt.datetime | None, str] = (None, "")
_second: tuple[int, dt.datetime] = (-1, SEEDED_EPOCH)
