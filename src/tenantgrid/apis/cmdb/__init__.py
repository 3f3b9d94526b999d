"""The CMDB API (seed 001): DATAGERRY's REST API under /rest/."""
