"""Invented text that reads like a real person's memories, never lorem ipsum.

Every invented object gets one `Story` — a memory filled in from a template in
`fixtures/memories.yaml` — and every invented string of that object agrees with it: the memory
text, its title and summary, its topics or tags. Other fields are named after what they hold
(`fixtures/fields.yaml`, or a Faker method of the same name: `city`, `company`, `first_name`…).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .hints import Hints
from .streams import Streams

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NOT_FORMATTERS = frozenset({"seed", "seed_instance", "seed_locale", "random", "format", "parse", "optional", "unique"})


@dataclass(frozen=True)
class Story:
    """One invented memory that all invented text of an object is about."""

    text: str
    topics: tuple[str, ...]

    @property
    def title(self) -> str:
        clause = re.split(r"[;,]| and ", self.text)[0].strip()
        return clause if len(clause) <= 60 else clause[:57].rstrip() + "..."

    @property
    def summary(self) -> str:
        return self.text.rstrip(".") + "."


class Inventor:
    """Strings and string lists for fields nobody sent, by field name."""

    def __init__(self, hints: Hints, streams: Streams) -> None:
        self._hints = hints
        self._streams = streams
        self._faker_methods: dict[str, Callable[[], Any] | None] = {}
        self._shapes: dict[str, str | None] = {}

    def story(self) -> Story:
        template = self._streams.rng.choice(self._hints.templates)
        text = _PLACEHOLDER.sub(lambda m: self._fill(m.group(1)), template.text)
        return Story(text, template.topics)

    def string(self, name: str | None, schema: Mapping[str, Any], story: Story) -> str:
        """A value for a string field called `name` (length bounds are the caller's job)."""
        kind = self._hints.text.get(name or "") or self._hints.text.get((name or "").lower())
        if kind == "memory":
            return story.text
        if kind == "summary":
            return story.summary
        if kind == "title":
            return story.title
        if kind == "topic":
            return self._streams.rng.choice(story.topics)
        if kind == "user_id":
            return f"user-{self._streams.rng.randint(100, 99999)}"
        if kind == "token":
            return self._streams.token(16)
        if kind and kind.startswith("pick:"):
            return self._streams.rng.choice(self._list(kind[5:]))
        if kind and kind.startswith("faker."):
            value = _call(self._faker_method(kind[6:]))
            if value is not None:
                return str(value)
        value = _call(self._faker_method(name or ""))
        if isinstance(value, str):
            return value
        if not name:
            return self._streams.rng.choice(story.topics)
        return f"{_slug(name)}-{self._streams.token(6)}"

    def hinted(self, name: str | None) -> bool:
        """Whether `fixtures/fields.yaml` says what a field of this name holds."""
        return bool(name) and (name in self._hints.text or (name or "").lower() in self._hints.text)

    def shape(self, name: str | None) -> str | None:
        """The format a field's name says its value has (`created_at` → `date-time`, `next` →
        `uri`), from `fixtures/fields.yaml`; None when the name says nothing."""
        if not name:
            return None
        if name not in self._shapes:
            self._shapes[name] = next((fmt for rule, fmt in self._hints.shapes if rule.fullmatch(name)), None)
        return self._shapes[name]

    def strings(self, name: str | None, story: Story) -> list[str] | None:
        """A whole list for list fields that have one (topics, tags), else None."""
        kind = self._hints.text.get(name or "")
        return list(story.topics) if kind == "topic" else None

    def classify(self, choices: list[Any], text: str) -> Any | None:
        """The enum value whose words occur most in `text`; None when nothing matches."""
        lowered = text.lower()
        best, best_score = None, 0
        for choice in choices:
            words = self._hints.classify.get(str(choice), ())
            score = sum(lowered.count(word) for word in words)
            if score > best_score:
                best, best_score = choice, score
        return best

    def _list(self, name: str) -> tuple[str, ...]:
        return self._hints.lists.get(name) or (self._hints.sources if name == "sources" else ("other",))

    def _fill(self, placeholder: str) -> str:
        if placeholder in self._hints.lists:
            return self._streams.rng.choice(self._hints.lists[placeholder])
        if placeholder == "year":
            return str(self._streams.rng.randint(2008, 2022))
        value = _call(self._faker_method(placeholder))
        return placeholder if value is None else str(value)

    def _faker_method(self, name: str) -> Callable[[], Any] | None:
        if name not in self._faker_methods:
            method = None
            if name and not name.startswith("_") and name not in _NOT_FORMATTERS:
                try:
                    method = self._streams.faker.get_formatter(name)
                except AttributeError:
                    method = None
            self._faker_methods[name] = method
        return self._faker_methods[name]


def _slug(name: str) -> str:
    """`modelName` → `model-name`, `Model_ID` → `model-id`: a field name as a value prefix."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name)
    return re.sub(r"[^a-z0-9]+", "-", spaced.lower()).strip("-") or "value"


def _call(method: Callable[[], Any] | None) -> Any:
    """Call a Faker method that takes no arguments; None if it needs some or fails."""
    if method is None:
        return None
    try:
        return method()
    except (TypeError, ValueError, AttributeError):
        return None
