"""Content negotiation: which body shape the client accepts."""

from __future__ import annotations

from tenantgrid import errors
from tenantgrid.query.compile import Body

OBJECT = "application/vnd.pgrst.object+json"
ARRAY = "application/vnd.pgrst.array+json"
ACCEPTED_ARRAY = frozenset({"application/json", "*/*", "application/*", ARRAY})


def negotiate(accept: str | None) -> Body:
    """`Accept: application/vnd.pgrst.object+json` asks for one object; JSON or anything else, an array.

    Parameters such as `;nulls=stripped` are accepted; unknown media types answer 406 PGRST107.
    """
    if not accept:
        return Body.ARRAY
    for part in accept.split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media == OBJECT:
            return Body.OBJECT
        if media in ACCEPTED_ARRAY:
            return Body.ARRAY
    raise errors.media_type_error(accept)
