"""What every part of the CMDB's query dialect shares: the shape of a resource's documents, and
the one refusal (a 400 in the CMDB's words) with the helpers that quote a client's input in it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tenantgrid import errors

CODE = "CMDB400"


@dataclass(frozen=True, slots=True)
class Document:
    """How one CMDB resource looks as a MongoDB document: document key -> column of `resource`."""

    resource: str
    keys: Mapping[str, str]


def bad(message: str) -> errors.ApiError:
    return errors.ApiError(400, CODE, message)


def kind_of(value: Any) -> str:
    match value:
        case dict():
            return "an object"
        case list():
            return "a list"
        case str():
            return "a string"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case None:
            return "null"
    return type(value).__name__


def short(value: Any) -> str:
    return clip(json.dumps(value, ensure_ascii=False, default=str))


def clip(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def what(value: Any) -> str:
    """`an object {"a": 1}`: the kind of a value and the value itself, for error messages."""
    return f"{kind_of(value)} {short(value)}"
