"""The panel's cookies: what a request's handling wants written, applied to whatever it answers.

`current_admin` may refresh a session (a new refresh token: the old one is spent) or find it dead,
and the pre-session CSRF cookie may be new; none of that is known when the response is built, so
each is left on `request.state` and `apply_cookies` writes them onto the response. Every cookie is
HttpOnly, SameSite=Lax, Path=/ and Secure when the request came over TLS (`request.url.scheme`,
which uvicorn sets from X-Forwarded-Proto only for trusted proxies).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

PENDING = "admin_cookies"


@dataclass(frozen=True, slots=True)
class PendingCookie:
    name: str
    value: str | None
    """None deletes the cookie."""
    max_age: int = 0


def set_later(request: Request, name: str, value: str | None, max_age: int = 0) -> None:
    pending: dict[str, PendingCookie] | None = getattr(request.state, PENDING, None)
    if pending is None:
        pending = {}
        setattr(request.state, PENDING, pending)
    pending[name] = PendingCookie(name, value, max_age)


def apply_cookies(request: Request, response: Response) -> None:
    pending: dict[str, PendingCookie] | None = getattr(request.state, PENDING, None)
    if not pending:
        return
    secure = request.url.scheme == "https"
    for cookie in pending.values():
        if cookie.value is None:
            response.delete_cookie(cookie.name, path="/", secure=secure, httponly=True, samesite="lax")
        else:
            response.set_cookie(
                cookie.name,
                cookie.value,
                max_age=cookie.max_age,
                path="/",
                secure=secure,
                httponly=True,
                samesite="lax",
            )
