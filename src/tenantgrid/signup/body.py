"""The sign-up body: JSON (or an HTML form's urlencoded fields), read field by field as Django REST
Framework's serializer would, so that every faulty field is named at once in its words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

REQUIRED = "This field is required."
BLANK = "This field may not be blank."
NOT_A_STRING = "Not a valid string."
NULL = "This field may not be null."


class BadBody(Exception):
    """A body that is no set of fields at all: 400 (unreadable) or 415 (a media type not taken)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(slots=True)
class SignUp:
    email: str | None = None
    password: str | None = None
    name: str | None = None
    registration_token: str | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)
    """The fields missing or of the wrong type: field -> messages."""


def parse_sign_up(raw: bytes, content_type: str) -> SignUp:
    data = _fields(raw, content_type)
    sign_up = SignUp()
    sign_up.email = _string(data, "email", sign_up.problems, required=True, strip=True)
    sign_up.password = _string(data, "password", sign_up.problems, required=True)
    sign_up.name = _string(data, "name", sign_up.problems, required=False, strip=True)
    token = data.get("registration_token")
    sign_up.registration_token = token if isinstance(token, str) and token else None
    return sign_up


def _fields(raw: bytes, content_type: str) -> dict[str, Any]:
    media = content_type.split(";", 1)[0].strip().lower() or "application/json"
    if media == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            raise BadBody(400, "Form parse error - the body is not UTF-8.") from None
    if media != "application/json" and not media.endswith("+json"):
        raise BadBody(415, f'Unsupported media type "{media}" in request.')
    try:
        data = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise BadBody(400, f"JSON parse error - {exc}") from None
    if not isinstance(data, dict):
        raise BadBody(400, f"Invalid data. Expected a dictionary, but got {type(data).__name__}.")
    return data


def _string(
    data: dict[str, Any], name: str, problems: dict[str, list[str]], *, required: bool, strip: bool = False
) -> str | None:
    value = data.get(name)
    if value is None:
        if name in data and required:
            problems[name] = [NULL]
        elif required:
            problems[name] = [REQUIRED]
        return None
    if not isinstance(value, str):
        problems[name] = [NOT_A_STRING]
        return None
    if strip:
        value = value.strip()
    if not value:
        if required:
            problems[name] = [BLANK]
        return None
    return value
