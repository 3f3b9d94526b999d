"""`split` makes no reference cycles (a recursive closure once left 8 objects per call)."""

from __future__ import annotations

import gc
from urllib.parse import parse_qsl

from tenantgrid.query.ast import Page, Query
from tenantgrid.query.dialects.postgrest import parse_params
from tenantgrid.query.shape import split


def test_split_leaves_nothing_for_the_cyclic_collector() -> None:
    params = parse_params(parse_qsl("select=id&id=gte.3&or=(name.eq.a,not.and(id.lt.2,tags.cs.{x}))&limit=5"))
    query = Query(resource="things", where=params.where, page=Page(params.offset, params.limit))
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        shapes = [split(query) for _ in range(10)]
        gc.collect()
        left = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == 0
    assert shapes[0][1] == ["3", "a", "2", "{x}", 5]
