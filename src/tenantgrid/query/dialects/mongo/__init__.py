"""The CMDB's query dialect (seed 001): MongoDB filters, sort/order, page/limit and projection.

`filter` is a JSON object (one `$match`) or a list of pipeline stages (`$match`, `$sort`, `$skip`,
`$limit`, `$project`). Every condition keeps its value's JSON type (`Cond.json`), so the compiler
can follow MongoDB: `{"a": 5}` does not match `"5"`, a condition on an array matches when any
element does, and `$ne`/`$nin`/`$not`/`$nor` match documents where the field is missing or null.

A `Document` says which keys a resource's documents have and which column holds each. A key it does
not list is a field that no document has: a condition on it is decided here (`Truth`), never sent to
Postgres, so secret columns (a user's password hash) cannot even be probed.
"""

from tenantgrid.query.dialects.mongo.document import CODE, Document, bad
from tenantgrid.query.dialects.mongo.filters import MAX_CONDITIONS, parse_match
from tenantgrid.query.dialects.mongo.params import ListRequest, loads, parse_filter, parse_list
from tenantgrid.query.dialects.mongo.projection import project
from tenantgrid.query.dialects.mongo.regex import pcre_escapes, strip_extended

__all__ = [
    "CODE",
    "MAX_CONDITIONS",
    "Document",
    "ListRequest",
    "bad",
    "loads",
    "parse_filter",
    "parse_list",
    "parse_match",
    "pcre_escapes",
    "project",
    "strip_extended",
]
