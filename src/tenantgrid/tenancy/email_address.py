"""Is this an e-mail address a tenant may sign up with? Django's EmailValidator rules, the seed's
service being a Django one, without its rarely used forms.

Accepted: a dot-atom local part (`first.last+tag@...`, at most 64 characters) at a domain name with
at least one dot whose labels are letters, digits and hyphens (internationalised names are checked
in their IDNA form, `bücher.example`), a top-level label of 2-63 characters; at most 254 in all.
Refused although RFC 5322 allows them: quoted local parts (`"a b"@example.com`), IP literals
(`a@[10.0.0.1]`) and dotless hosts (`a@localhost`); no sign-up needs them, and the local part
becomes part of a schema name.
"""

from __future__ import annotations

import re

MAX_LENGTH = 254
INVALID = "Enter a valid email address."
_LOCAL = re.compile(r"[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+)*")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}(?<!-)")


def valid_email(text: str) -> bool:
    if len(text) > MAX_LENGTH or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    if len(local) > 64 or not _LOCAL.fullmatch(local):
        return False
    if _DOMAIN.fullmatch(domain):
        return True
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return ascii_domain != domain and _DOMAIN.fullmatch(ascii_domain) is not None
