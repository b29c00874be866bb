"""The `requests.Session` that `MockServer.session()` hands out."""

from __future__ import annotations

from typing import Any

import requests


class VerifiedSession(requests.Session):
    """A session whose own `verify` (the mock's certificate) wins over `REQUESTS_CA_BUNDLE` and
    `CURL_CA_BUNDLE`: plain `requests.Session` lets those variables replace it on every request
    that does not pass `verify` itself (requests issue 3829), which breaks TLS to the mock on any
    machine that sets them."""

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None:
            settings["verify"] = self.verify
        return settings
