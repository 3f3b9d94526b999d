"""Run the airbyte-source-gridly connector against another server, inside the connector's own venv.

    python run_source.py BASE_URL check|discover|read --config ... [--catalog ...]

The connector has `https://api.gridly.com/v1/` built in (`Helpers.base_url`, copied into
`GridlyStream.url_base` when the class is made); both are replaced by BASE_URL + `/v1/`, and the rest is
the connector's own entry point, unchanged.
"""

import sys

from airbyte_cdk.entrypoint import launch
from source_gridly import source
from source_gridly.helpers import Helpers


def main() -> None:
    base = sys.argv[1].rstrip("/") + "/v1/"
    Helpers.base_url = base
    source.GridlyStream.url_base = base
    launch(source.SourceGridly(), sys.argv[2:])


if __name__ == "__main__":
    main()
