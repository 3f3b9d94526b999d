"""The panel's cookies: what a request's handling wants written, applied to whatever it answers.

`current_admin` may refresh a session (a new refresh token: the old one is spent) or find it dead,
and the pre-session CSRF cookie may be new; none of that is known when the response is built, so
each is left on `request.state` and `apply_cookies` writes them onto the response. Every cookie is
HttpOnly, SameSite=Lax, Path=/ and Secure when the request came over TLS (`request.url.scheme`,
which uvicorn sets from X-Forwarded-Proto only for trusted proxies).

Over TLS each name carries the `__Host-` prefix: browsers then take the cookie only from this very
origin over HTTPS, never from a sibling subdomain or a plain-HTTP answer (a man in the middle), so
nobody can plant their own session (the victim would type into the attacker's tenant) or their own
pre-session cookie. Read and write them through `read_cookie` and `set_later`.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

PENDING = "admin_cookies"
HOST_PREFIX = "__Host-"


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


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def cookie_name(request: Request, name: str) -> str:
    """The name a cookie has on the wire for this request (`__Host-` prefixed over TLS)."""
    return HOST_PREFIX + name if _secure(request) else name


def read_cookie(request: Request, name: str) -> str | None:
    return request.cookies.get(cookie_name(request, name))


def apply_cookies(request: Request, response: Response) -> None:
    pending: dict[str, PendingCookie] | None = getattr(request.state, PENDING, None)
    if not pending:
        return
    secure = _secure(request)
    for cookie in pending.values():
        name = cookie_name(request, cookie.name)
        if cookie.value is None:
            response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
        else:
            response.set_cookie(
                name,
                cookie.value,
                max_age=cookie.max_age,
                path="/",
                secure=secure,
                httponly=True,
                samesite="lax",
            )
