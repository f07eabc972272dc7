"""One temporary Prefect API server for every flow test of the session (each start costs 20-30 s)."""

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def prefect() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):  # a loaded 2-core machine can take over 30 s
        yield
