"""`CckmMockContainer`: the cckm-mock image as a Testcontainers module (`pip install
'cckm-mock[testcontainers]'`), for teams whose CI runs services as containers.

    from cckm_mock.testcontainers import CckmMockContainer

    with CckmMockContainer() as mock:          # the image built by `docker build -t cckm-mock .`
        client = mock.client                   # the kit's MockServer, attached: reset, advance, wait, verify...
        requests.get(mock.url + "/api/v1/cckm/aws/synchronization-jobs",
                     headers={"Authorization": "Bearer " + client.token()}, verify=mock.ca_cert)

Readiness is the image's own health check, `cckm-mock health`, run inside the container: it works
where the engine runs no health-check timers (podman without systemd) as well as under Docker.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any, Iterable

from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import ExecWaitStrategy

from cckm_mock.server import ADMIN_TOKEN_VARIABLE, MockServer

#: The image `CckmMockContainer` starts unless told otherwise: the tag the README's `docker build`
#: line (and `scripts/test-image`) gives it. `CCKM_MOCK_IMAGE` overrides it for a whole run.
IMAGE_VARIABLE = "CCKM_MOCK_IMAGE"
DEFAULT_IMAGE = "cckm-mock"
#: The port the image listens on.
PORT = 8443


class CckmMockContainer(DockerContainer):
    """The cckm-mock image, started on a free host port with a manual clock (as the kit's
    `MockServer` starts the binary), the given fixtures loaded, and waited on until healthy.

    After `start()` (or entering the `with` block): `url`, `ca_cert` (the certificate the server
    presented, in a file) and `client`, the kit's `MockServer` attached to the container, with every
    verb: `reset`, `load_fixtures`, `advance`, `wait`, `fault`, `verify`, `token`, `session`...
    Extra `args` go to `cckm-mock serve` as they are.
    """

    def __init__(
        self,
        image: str | None = None,
        *args: str,
        fixtures: Iterable[str] = ("docs-examples",),
        clock: str = "manual",
        admin_token: str | None = None,
        startup_timeout: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(image or os.environ.get(IMAGE_VARIABLE) or DEFAULT_IMAGE, **kwargs)
        command = ["serve", "--clock", clock]
        for fixture in fixtures:
            command += ["--fixtures", fixture]
        self.with_command(command + list(args))
        self.with_exposed_ports(PORT)
        self._admin_token = admin_token if admin_token is not None else os.environ.get(ADMIN_TOKEN_VARIABLE) or None
        if self._admin_token:
            self.with_env(ADMIN_TOKEN_VARIABLE, self._admin_token)
        self.waiting_for(ExecWaitStrategy(["cckm-mock", "health"]).with_startup_timeout(int(startup_timeout)))
        self.url = ""
        self.client: MockServer | None = None

    @property
    def ca_cert(self) -> str | None:
        """The certificate the server presents, in a file (None before `start()`)."""
        return self.client.ca_cert if self.client is not None else None

    def get_connection_url(self) -> str:
        """`https://HOST:PORT` of the running container."""
        host = self.get_container_host_ip()
        literal = f"[{host}]" if ":" in host else host
        return f"https://{literal}:{self.get_exposed_port(PORT)}"

    def start(self) -> CckmMockContainer:
        host = self.get_docker_client().host()
        # The server answers only its own names (loopback and IP literals are its own): a docker
        # host reached by name must be allowed and named in the certificate.
        if not _is_ip_literal(host) and host != "localhost":
            self.with_env("CCKM_MOCK_ALLOW_HOST", host)
            self.with_env("CCKM_MOCK_TLS_SAN", host)
        try:
            super().start()
            self.url = self.get_connection_url()
            self.client = MockServer(url=self.url, admin_token=self._admin_token).start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, force: bool = True, delete_volume: bool = True) -> None:
        """Removes the container (and its anonymous /data volume); idempotent."""
        if self.client is not None:
            self.client.stop()
            self.client = None
        self.url = ""
        super().stop(force=force, delete_volume=delete_volume)

    def __enter__(self) -> CckmMockContainer:
        return self.start()


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


__all__ = ["CckmMockContainer", "DEFAULT_IMAGE", "IMAGE_VARIABLE"]
