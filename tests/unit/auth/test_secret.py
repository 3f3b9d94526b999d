"""The JWT settings refuse what would make tokens forgeable: a short secret, a non-HMAC algorithm."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tenantgrid.settings import Settings


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "none", "hs256", "HS1024", ""])
def test_only_the_hmac_algorithms_are_accepted(algorithm: str) -> None:
    with pytest.raises(ValidationError, match="jwt_algorithm"):
        Settings(jwt_algorithm=algorithm)


@pytest.mark.parametrize(("algorithm", "needed"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_a_configured_secret_shorter_than_the_digest_is_refused(algorithm: str, needed: int) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(jwt_secret="s" * (needed - 1), jwt_algorithm=algorithm)
    message = str(refused.value)
    assert f"TENANTGRID_JWT_SECRET is {needed - 1} bytes long; {algorithm} needs at least {needed}" in message
    assert "s" * (needed - 1) not in message  # the error never shows the secret
    assert Settings(jwt_secret="s" * needed, jwt_algorithm=algorithm).jwt_secret == "s" * needed


def test_bytes_count_not_characters() -> None:
    with pytest.raises(ValidationError, match="31 bytes long"):
        Settings(jwt_secret="é" * 15 + "x")
    assert Settings(jwt_secret="é" * 16).jwt_secret == "é" * 16


def test_unset_secret_is_no_error() -> None:
    """Unset means the control plane's secret, checked when the server starts."""
    assert Settings(jwt_secret="").jwt_secret == ""
