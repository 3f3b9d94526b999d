"""Which schema a request works in: its profile header, checked against what the caller may use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tenantgrid import errors
from tenantgrid.auth.principal import Principal

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class SchemaChoice:
    schema: str
    read_only: bool


def resolve_schema(
    principal: Principal, method: str, headers: Mapping[str, str], template_schema: str
) -> SchemaChoice:
    """`Accept-Profile` picks the schema of a read, `Content-Profile` that of a write.

    The caller may read its own schema and the template schema, and write only its own. A name it
    may not use answers 406 PGRST106 listing only the schemas it may use, so another tenant's
    schema is never confirmed to exist; a write to the template answers 403.
    """
    own = principal.tenant.schema
    allowed = [own, template_schema]
    reading = method in READ_METHODS
    names = (
        [headers.get("accept-profile")]
        if reading
        else [headers.get("content-profile"), headers.get("accept-profile")]
    )
    chosen = own
    for position, name in enumerate(names):
        if name is None:
            continue
        name = name.strip()
        if name not in allowed:
            raise errors.schema_not_allowed(name, allowed)
        if position == 0:
            chosen = name
    if chosen == template_schema and chosen != own:
        if not reading:
            raise errors.read_only_schema(chosen)
        return SchemaChoice(chosen, read_only=True)
    return SchemaChoice(chosen, read_only=False)
