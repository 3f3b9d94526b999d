"""The `Prefer` header: parsed once into the preferences PostgREST knows, echoed when applied."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenantgrid import errors
from tenantgrid.http.integers import parse_bigint

KNOWN: dict[str, frozenset[str] | None] = {
    "return": frozenset({"minimal", "headers-only", "representation"}),
    "count": frozenset({"exact", "planned", "estimated"}),
    "resolution": frozenset({"merge-duplicates", "ignore-duplicates"}),
    "missing": frozenset({"default", "null"}),
    "handling": frozenset({"strict", "lenient"}),
    "tx": frozenset({"commit", "rollback"}),
    "max-affected": None,  # a non-negative bigint
    "timezone": None,
}


@dataclass(frozen=True, slots=True)
class Preferences:
    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    @property
    def strict(self) -> bool:
        return self.values.get("handling") == "strict"

    @property
    def max_affected(self) -> int | None:
        """The `max-affected` bound, honoured only with `handling=strict` (checked by `parse_prefer`)."""
        value = self.values.get("max-affected")
        return int(value) if value is not None and self.strict else None

    def applied(self, *names: str) -> str | None:
        """The `Preference-Applied` value for those of `names` the request asked for, in the order
        given (PostgREST's: resolution, missing, return, count, tx, handling, max-affected).
        `max-affected` is honoured, and so echoed, only with `handling=strict`."""
        parts = [
            f"{n}={self.values[n]}"
            for n in names
            if n in self.values and (n != "max-affected" or self.strict)
        ]
        return ", ".join(parts) or None


_OWS = " \t"
"""HTTP's optional whitespace; `str.strip()` alone would also drop Unicode spaces such as U+00A0."""


def parse_prefer(headers: list[str]) -> Preferences:
    values: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        for item in header.split(","):
            item = item.strip(_OWS)
            if not item:
                continue
            name, _, value = item.partition("=")
            name, value = name.strip(_OWS).lower(), value.strip(_OWS)  # RFC 7240 allows BWS around =
            allowed = KNOWN.get(name, frozenset())
            if name not in KNOWN or (allowed is not None and value not in allowed):
                unknown.append(item)
                continue
            if name == "max-affected":
                bound = parse_bigint(value)
                if bound is None:  # not ASCII digits within a bigint: `²`, `+5`, 5,000 nines
                    unknown.append(item)
                    continue
                value = str(bound)  # echoed as PostgREST does: `007` is applied as `7`
            values[name] = value
    preferences = Preferences(values)
    if preferences.strict and unknown:
        raise errors.preference_error(
            "Invalid preferences given with handling=strict", "Invalid preferences: " + ", ".join(unknown)
        )
    return preferences
