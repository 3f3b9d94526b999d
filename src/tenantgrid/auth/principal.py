"""Who is calling: the tenant a key belongs to, the key's kind, and the signed-in user if any."""

from __future__ import annotations

from dataclasses import dataclass

from tenantgrid.auth.keys import KeyKind
from tenantgrid.auth.tokens import AccessClaims


@dataclass(frozen=True, slots=True)
class Tenant:
    id: int
    name: str
    schema: str


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: Tenant
    key_kind: KeyKind
    user: AccessClaims | None = None

    @property
    def role(self) -> str:
        if self.key_kind is KeyKind.SECRET:
            return "service_role"
        return "authenticated" if self.user else "anon"

    @property
    def may_use_data(self) -> bool:
        """A secret key works alone; a publishable key needs a signed-in user's token."""
        return self.key_kind is KeyKind.SECRET or self.user is not None
