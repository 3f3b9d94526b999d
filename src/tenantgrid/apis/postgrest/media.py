"""Content negotiation: which body shape the client accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tenantgrid import errors
from tenantgrid.query.compile import Body

OBJECT = "application/vnd.pgrst.object+json"
ARRAY = "application/vnd.pgrst.array+json"
OBJECT_TYPES = frozenset({OBJECT, "application/vnd.pgrst.object"})
VENDOR_ARRAY_TYPES = frozenset({ARRAY, "application/vnd.pgrst.array"})
ACCEPTED_ARRAY = frozenset({"application/json", "*/*", "application/*"}) | VENDOR_ARRAY_TYPES
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
"""RFC 9110's weight: ASCII, 0 to 1, up to three decimals (`float()` would also take `nan`, `1e9`
and non-ASCII digits)."""


@dataclass(frozen=True, slots=True)
class Media:
    body: Body
    strip_nulls: bool = False
    """`;nulls=stripped` on a vnd.pgrst type: keys whose value is null are left out."""


def negotiate_media(accept: str | None) -> Media:
    """The preferred media type of `Accept` that we can produce: highest `q` first, then the order
    given; `q=0` refuses a type. `nulls=stripped` counts on the vnd.pgrst types, as in PostgREST.
    `application/vnd.pgrst.object+json` asks for one object; none we can produce answers 406 PGRST107."""
    if not accept or not accept.strip():
        return Media(Body.ARRAY)
    candidates: list[tuple[float, int, str, bool]] = []
    for position, part in enumerate(accept.split(",")):
        media, *parameters = (p.strip() for p in part.split(";"))
        quality, strip = 1.0, False
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "q":
                quality = float(value) if _QVALUE.fullmatch(value) else 1.0  # a bad weight is ignored
            elif name == "nulls":
                strip = value == "stripped"
        if quality > 0:
            candidates.append((-quality, position, media.lower(), strip))
    for _, _, media, strip in sorted(candidates):
        if media in OBJECT_TYPES:
            return Media(Body.OBJECT, strip)
        if media in ACCEPTED_ARRAY:
            return Media(Body.ARRAY, strip and media in VENDOR_ARRAY_TYPES)
    raise errors.media_type_error(accept)
