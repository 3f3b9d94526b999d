"""The Gainfully API (seed 002) under /v1.0/: relationships, content and events, in Django REST
Framework's conventions (limit/offset pagination, `ordering`, `filter__` lookups, sparse fieldsets)."""
