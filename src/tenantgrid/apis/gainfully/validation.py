"""A request body checked as DRF's serializer fields check it, in DRF's words and codes; the first
failing field (in the resource's order) is the 400, naming it. Keys that are not writable (unknown
ones, `id`, `created_at`) are ignored, as DRF ignores them. Related ids are only checked for their
type here; that they exist is checked by the store, in the write's transaction."""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

from tenantgrid.apis.gainfully.failures import FieldError, refuse, required
from tenantgrid.apis.gainfully.models import Kind, Resource, Writable
from tenantgrid.http.integers import BIGINT_MAX, BIGINT_MIN, is_ascii_integer, parse_bigint

MAX_IDS = 1000
_TRAILING_ZEROS = re.compile(r"\.0*\s*$")  # DRF's IntegerField.re_decimal
_SURROGATE = re.compile("[\ud800-\udfff]")
_EMAIL_USER = re.compile(
    r"(^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*\Z"
    r'|^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"\Z)',
    re.IGNORECASE,
)
_EMAIL_DOMAIN = re.compile(
    r"((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))\Z", re.IGNORECASE
)
URL_SCHEMES = ("http", "https", "ftp", "ftps")


def validate(resource: Resource, body: Any, *, partial: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise refuse(
            "non_field_errors", "invalid", f"Invalid data. Expected a dictionary, but got {_type(body)}."
        )
    values: dict[str, Any] = {}
    for field in resource.writable:
        if field.name not in body:
            if field.required and not partial:
                raise required(field.name)
            continue
        values[field.name] = clean(field, body[field.name])
    return values


def clean(field: Writable, value: Any) -> Any:
    if value is None:
        if not field.nullable:
            raise refuse(field.name, "null", "This field may not be null.")
        return None
    match field.kind:
        case Kind.TEXT | Kind.EMAIL | Kind.URL:
            return _text(field, value)
        case Kind.INTEGER | Kind.TIMESTAMP:
            return _integer(field, value)
        case Kind.RELATED:
            return related_id(field.name, value)
        case Kind.RELATED_MANY:
            return _ids(field, value)
    raise TypeError(field.kind)


def _text(field: Writable, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise refuse(field.name, "invalid", "Not a valid string.")
    text = str(value).strip()  # DRF's CharField trims whitespace
    if not text:
        if not field.allow_blank:
            raise refuse(field.name, "blank", "This field may not be blank.")
        return ""
    if field.max_length is not None and len(text) > field.max_length:
        raise refuse(
            field.name, "max_length", f"Ensure this field has no more than {field.max_length} characters."
        )
    if "\x00" in text:
        raise refuse(field.name, "null_characters_not_allowed", "Null characters are not allowed.")
    surrogate = _SURROGATE.search(text)
    if surrogate:
        raise refuse(
            field.name,
            "surrogate_characters_not_allowed",
            f"Surrogate characters are not allowed: U+{ord(surrogate.group()):X}.",
        )
    if field.kind is Kind.EMAIL and not is_email(text):
        raise refuse(field.name, "invalid", "Enter a valid email address.")
    if field.kind is Kind.URL and not is_url(text):
        raise refuse(field.name, "invalid", "Enter a valid URL.")
    return text


def is_email(text: str) -> bool:
    user, at, domain = text.rpartition("@")
    if not at or not user or not domain or len(text) > 320:
        return False
    if not _EMAIL_USER.match(user):
        return False
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(_EMAIL_DOMAIN.match(domain))


def is_url(text: str) -> bool:
    if any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
        port = parts.port  # a bad port raises
    except ValueError:
        return False
    del port
    return parts.scheme.lower() in URL_SCHEMES and bool(parts.hostname)


def _integer(field: Writable, value: Any) -> int:
    number = as_integer(value)
    if number is None:
        raise refuse(field.name, "invalid", "A valid integer is required.")
    low = field.min_value if field.min_value is not None else BIGINT_MIN
    high = field.max_value if field.max_value is not None else BIGINT_MAX
    if number > high:
        raise refuse(field.name, "max_value", f"Ensure this value is less than or equal to {high}.")
    if number < low:
        raise refuse(field.name, "min_value", f"Ensure this value is greater than or equal to {low}.")
    return number


def as_integer(value: Any) -> int | None:
    """DRF's IntegerField: an integer, an integral float, or its text (`"5"`, `"5.0"`); else None.
    Beyond a bigint is clamped one past it, so the range check words the refusal."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return max(BIGINT_MIN - 1, min(value, BIGINT_MAX + 1))
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        return max(BIGINT_MIN - 1, min(int(value), BIGINT_MAX + 1))
    if isinstance(value, str):
        text = _TRAILING_ZEROS.sub("", value.strip())
        if not is_ascii_integer(text, signed=True):
            return None
        number = parse_bigint(text, signed=True)
        if number is None:
            return BIGINT_MIN - 1 if text.startswith("-") else BIGINT_MAX + 1
        return number
    return None


def related_id(name: str, value: Any) -> int:
    number = as_integer(value) if isinstance(value, int | str) else None
    if number is None:
        raise refuse(name, "incorrect_type", f"Incorrect type. Expected pk value, received {_type(value)}.")
    if not BIGINT_MIN <= number <= BIGINT_MAX:
        raise does_not_exist(name, value)
    return number


def does_not_exist(name: str, value: Any) -> FieldError:
    return refuse(name, "does_not_exist", f'Invalid pk "{value}" - object does not exist.')


def _ids(field: Writable, value: Any) -> list[tuple[int, Any]]:
    """(id, as sent) pairs, duplicates dropped: the store names the one as sent when it is missing."""
    if not isinstance(value, list):
        raise refuse(field.name, "not_a_list", f'Expected a list of items but got type "{_type(value)}".')
    if len(value) > MAX_IDS:
        raise refuse(field.name, "max_length", f"Ensure this field has no more than {MAX_IDS} elements.")
    seen: dict[int, Any] = {}
    for item in value:
        if item is None:
            raise refuse(field.name, "null", "This field may not be null.")
        seen.setdefault(related_id(field.name, item), item)
    return list(seen.items())


def _type(value: Any) -> str:
    """The Python type name DRF's messages show for a JSON value."""
    return type(value).__name__
