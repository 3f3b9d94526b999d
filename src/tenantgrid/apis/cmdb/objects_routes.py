"""`/rest/objects/...`: the object routes and what `/openapi.json` says of them (handlers in
`object_reads` and `object_writes`). Fixed segments (`clean`, `delete`) come before `{public_id}`."""

from __future__ import annotations

from tenantgrid.apis.cmdb import framework_schemas as fs
from tenantgrid.apis.cmdb import object_reads as reads
from tenantgrid.apis.cmdb import object_writes as writes
from tenantgrid.apis.cmdb.envelope import LIST_PARAMS
from tenantgrid.apis.cmdb.routes import Endpoint, Operation

LIST_QUERY = (*LIST_PARAMS, "view", "active")
_ID_LIST = {"public_id": "string"}
_BOOL = {"type": "boolean"}
_DELETED = {"type": "object", "properties": {"successfully": {"type": "array", "items": _BOOL}}}

ENDPOINTS = [
    Endpoint(
        "/objects/",
        {
            "GET": Operation(
                reads.list_objects,
                "List objects (view=native|render, active=true for active ones only)",
                reads.VIEW,
                query=LIST_QUERY,
                response=fs.list_of(fs.OBJECT),
            ),
            "POST": Operation(
                writes.insert_object,
                "Create an object; answers its public_id as a bare JSON number (200, Location)",
                writes.ADD,
                body=fs.ref(fs.OBJECT_WRITE),
                response={"type": "integer"},
            ),
        },
    ),
    Endpoint(
        "/objects/clean/{public_id}",
        {
            "GET": Operation(
                reads.unclean_objects,
                "Objects of the type (public_id) whose field names differ from the type's",
                reads.VIEW,
                response=fs.list_of(fs.OBJECT),
            ),
            "PUT": Operation(
                writes.clean_objects,
                "Clean them: extra fields dropped, missing ones added with the type's default",
                writes.CLEAN,
                response=fs.update_multi(fs.OBJECT),
                status=202,
            ),
        },
    ),
    Endpoint(
        "/objects/delete/{public_id}",
        {
            "DELETE": Operation(
                writes.delete_objects,
                "Delete objects 1,2,3 (all or nothing: an unknown id is a 404 and deletes nothing)",
                writes.DELETE,
                response=_DELETED,
            )
        },
        path_types=_ID_LIST,
    ),
    Endpoint(
        "/objects/{public_id}/native",
        {"GET": Operation(reads.native_object, "The stored object", reads.VIEW, response=fs.ref(fs.OBJECT))},
    ),
    Endpoint(
        "/objects/{public_id}/references",
        {
            "GET": Operation(
                reads.object_references,
                "Objects whose ref fields point at this object",
                reads.VIEW,
                query=LIST_QUERY,
                response=fs.list_of(fs.OBJECT),
            )
        },
    ),
    Endpoint(
        "/objects/{public_id}/state",
        {
            "GET": Operation(
                reads.object_state, "Whether the object is active (bare boolean)", reads.VIEW, response=_BOOL
            ),
            "PUT": Operation(
                writes.set_object_state,
                "Activate or deactivate: a bare JSON boolean body; 204 when unchanged, else 202",
                writes.ACTIVATION,
                body=_BOOL,
                response=_BOOL,
                status=202,
            ),
        },
    ),
    Endpoint(
        "/objects/{public_id}",
        {
            "GET": Operation(
                reads.one_object, "The rendered object", reads.VIEW, response=fs.ref(fs.RENDERED)
            ),
            **{
                method: Operation(
                    writes.update_object,
                    "Update an object (fields replace stored values by name; the version bumps); "
                    "public_id 0 with objectIDs=1&objectIDs=2 edits those objects, all or nothing",
                    writes.EDIT,
                    query=("objectIDs",),
                    body=fs.ref(fs.OBJECT_WRITE),
                    response=fs.update_multi(fs.OBJECT),
                    status=202,
                )
                for method in ("PUT", "PATCH")
            },
            "DELETE": Operation(
                writes.delete_objects,
                "Delete the object (200 true); 1,2,3 deletes several, all or nothing",
                writes.DELETE,
                response={"oneOf": [_BOOL, _DELETED]},
            ),
        },
        path_types=_ID_LIST,
    ),
]
