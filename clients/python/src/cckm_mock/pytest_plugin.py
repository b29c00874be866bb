"""pytest plugin (entry point `pytest11`): a `cckm_mock_server` for the session and a `cckm_mock`
fixture per test, reset before each test.

Options: `--cckm-mock-bin`, `--cckm-mock-url` (attach to a running server instead of starting one)
and `--cckm-mock-seed`. While a server the plugin started runs, `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`
and `CURL_CA_BUNDLE` point at a bundle that trusts it and the system's authorities (restored after;
an attached server's certificate is trusted by the kit's own calls only);
`--cckm-mock-no-trust-env` or the ini option `cckm_mock_trust_env = false` leaves them alone. The `cckm_mock` marker gives one test its own server with other fixtures or
flags::

    @pytest.mark.cckm_mock(fixtures=["tenants"], args=["--allow-concurrent-jobs"])
    def test_tenants(cckm_mock): ...

`cckm_mock_container` runs the image instead (`pip install 'cckm-mock[testcontainers]'`): one
`CckmMockContainer` for the session, and its attached client reset before each test that asks for it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterator

import pytest

from cckm_mock.server import BINARY_VARIABLE, URL_VARIABLE, MockServer

if TYPE_CHECKING:
    from cckm_mock.testcontainers import CckmMockContainer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cckm-mock", "cckm-mock, a local CipherTrust Manager CCKM API")
    group.addoption("--cckm-mock-bin", default=None, help=f"the cckm-mock executable (default: ${BINARY_VARIABLE}, PATH, the repository's build)")
    group.addoption("--cckm-mock-url", default=None, help=f"attach to this running server instead of starting one (default: ${URL_VARIABLE})")
    group.addoption("--cckm-mock-seed", default=None, type=int, help="seed for ids, durations and outcomes: same seed, same answers")
    group.addoption("--cckm-mock-no-trust-env", action="store_true", default=False,
                    help="leave REQUESTS_CA_BUNDLE, SSL_CERT_FILE and CURL_CA_BUNDLE as they are")
    parser.addini("cckm_mock_trust_env", type="bool", default=True,
                  help="point REQUESTS_CA_BUNDLE, SSL_CERT_FILE and CURL_CA_BUNDLE at a bundle that trusts the mock (default: true)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cckm_mock(fixtures=(), args=(), tls=True, clock='manual'): give this test its own cckm-mock with these fixtures and flags")


def _server(config: pytest.Config, *args: str, url: str | None = None, **keywords: object) -> MockServer:
    if url is None:
        url = config.getoption("--cckm-mock-url") or os.environ.get(URL_VARIABLE)
    trust_env = bool(config.getini("cckm_mock_trust_env")) and not config.getoption("--cckm-mock-no-trust-env")
    return MockServer(config.getoption("--cckm-mock-bin"), *args, url=url, seed=config.getoption("--cckm-mock-seed"),
                      trust_env=trust_env, **keywords)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def cckm_mock_server(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """One cckm-mock for the whole session: manual clock, throwaway store, HTTPS."""
    with _server(pytestconfig) as server:
        yield server


@pytest.fixture
def cckm_mock(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """The session's cckm-mock, reset before the test (jobs back to its fixtures, journal and
    faults cleared); or, under a `cckm_mock` marker, a server of the test's own."""
    marker = request.node.get_closest_marker("cckm_mock")
    if marker is None:
        server: MockServer = request.getfixturevalue("cckm_mock_server")
        server.reset()
        yield server
        return
    options = dict(marker.kwargs)
    args = [str(a) for a in options.pop("args", ())]
    # A server of its own even when the session attaches to a URL: flags are given at start.
    with _server(pytestconfig, *args, url="", **options) as own:
        yield own


@pytest.fixture(scope="session")
def cckm_mock_container_session() -> Iterator[CckmMockContainer]:
    """The cckm-mock image for the whole session (`CckmMockContainer`: `$CCKM_MOCK_IMAGE`, else the
    tag `cckm-mock`), on a manual clock with the docs' examples."""
    try:
        from cckm_mock.testcontainers import CckmMockContainer
    except ImportError as error:  # testcontainers is an extra: say how to get it
        raise pytest.UsageError(f"cckm_mock_container needs testcontainers: pip install 'cckm-mock[testcontainers]' ({error})") from None
    with CckmMockContainer() as container:
        yield container


@pytest.fixture
def cckm_mock_container(cckm_mock_container_session: CckmMockContainer) -> CckmMockContainer:
    """The session's container, its server reset before the test; `.client` has every verb."""
    assert cckm_mock_container_session.client is not None
    cckm_mock_container_session.client.reset()
    return cckm_mock_container_session
