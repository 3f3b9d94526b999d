"""The `gridly-cli` client (PyPI), driven in-process against a live server.

The client has `https://api.gridly.com` written into each call and reads `GRIDLY_API_KEY` when it is
imported. Here its `requests` is replaced by one that sends the same requests to our server instead
(every header, body and the paging by `Link: rel="next"` stay the client's own), and its interactive
prompts (questionary) by scripted answers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result

GRIDLY = "https://api.gridly.com"


@dataclass
class Rewriting:
    """`requests` as gridly_cli.api uses it, reaching `base_url`; remembers every (method, url) sent."""

    base_url: str
    sent: list[tuple[str, str]] = field(default_factory=list)

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if url.startswith(GRIDLY):
            url = self.base_url + url[len(GRIDLY) :]
        self.sent.append((method, url))
        return requests.request(method, url, timeout=30, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("GET", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self._call("DELETE", url, **kwargs)


class _Answer:
    def __init__(self, value: Any) -> None:
        self.value = value

    def ask(self) -> Any:
        return self.value


@dataclass
class Scripted:
    """questionary's select/checkbox/text answering from a list, checking each answer is offered."""

    answers: list[Any]
    asked: list[tuple[str, list[Any]]] = field(default_factory=list)

    def _next(self, message: str, choices: list[Any]) -> _Answer:
        self.asked.append((message, list(choices)))
        answer = self.answers.pop(0)
        for chosen in answer if isinstance(answer, list) else [answer]:
            assert not choices or chosen in choices, f"{chosen!r} is not offered by {message!r}: {choices}"
        return _Answer(answer)

    def select(self, message: str, choices: list[Any]) -> _Answer:
        return self._next(message, choices)

    def checkbox(self, message: str, choices: list[Any]) -> _Answer:
        return self._next(message, choices)

    def text(self, message: str) -> _Answer:
        return self._next(message, [])


@dataclass
class GridlyCli:
    run: Callable[..., Result]
    http: Rewriting


@contextmanager
def gridly_cli(monkeypatch: pytest.MonkeyPatch, base_url: str, key: str) -> Iterator[GridlyCli]:
    """`cli.run(*args, answers=[...])` runs `gridly ARGS`; `cli.http.sent` lists what it sent."""
    monkeypatch.setenv("GRIDLY_API_KEY", key)
    api = importlib.import_module("gridly_cli.api")
    command = importlib.import_module("gridly_cli.gridly")
    http = Rewriting(base_url)
    monkeypatch.setattr(api, "api_key", key)
    monkeypatch.setattr(api, "requests", http)

    def run(*args: str, answers: list[Any] | None = None) -> Result:
        script = Scripted(list(answers or []))
        monkeypatch.setattr(command, "questionary", script)
        result = CliRunner().invoke(command.gridly, list(args))
        assert not script.answers, f"unasked answers left: {script.answers}"
        return result

    yield GridlyCli(run, http)
