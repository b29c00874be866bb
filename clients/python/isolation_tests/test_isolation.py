"""Issue 43: two tests that each expect the baseline, one of them loading a failing script. Apart
from tests/ because the session server they share sets the trust variables for the whole run.
scripts/test-python-kit runs this file in both orders, on the session's own server and attached to
a running one (`--cckm-mock-url`): nothing the first loads reaches the second, and each begins at
the same clock with the same first id whatever ran before (the server runs under a seed)."""

from __future__ import annotations

import json
import os
from typing import Any

from cckm_mock import MockServer

AWS = "/api/v1/cckm/aws/synchronization-jobs"
OCI = "/api/v1/cckm/oci/synchronization-jobs"
#: Where each test's first job began, kept across the run's tests (and checked against a file
#: the other order's run wrote, when `CCKM_MOCK_ISOLATION_RECORD` names one).
_first: dict[str, Any] = {}


def _begin(server: MockServer) -> None:
    started = server.session().post(server.url + AWS, json={"kms": ["kms"], "regions": ["eu-west-1"]})
    assert started.status_code == 201, started.text
    job = started.json()
    record = os.environ.get("CCKM_MOCK_ISOLATION_RECORD")
    # Ids repeat under a seed only: scripts/test-python-kit runs the pair seeded, with a record.
    first = {"clock": server.clock()["now"], "createdAt": job["createdAt"], **({"id": job["id"]} if record else {})}
    if not _first and record and os.path.exists(record):
        with open(record, encoding="utf-8") as file:
            _first.update(json.load(file))
    assert _first.setdefault("first", first) == first, f"began at {first}; an earlier test at {_first['first']}"
    if record:
        with open(record, "w", encoding="utf-8") as file:
            json.dump(_first, file)


def _ends(server: MockServer) -> str:
    started = server.session().post(server.url + OCI, json={"vaults": ["v"]})
    assert started.status_code == 201, started.text
    server.advance(30)
    return str(server.wait(started.json()["id"], "done")["overall_status"])


def test_loads_a_failing_script(cckm_mock: MockServer) -> None:
    _begin(cckm_mock)
    cckm_mock.advance(30)
    cckm_mock.load_fixtures({"scripts": [{"family": "oci", "target": "v", "after": 3, "outcome": "fail", "message": "throttled"}]})
    assert _ends(cckm_mock) == "failed"


def test_expects_the_baseline(cckm_mock: MockServer) -> None:
    _begin(cckm_mock)
    cckm_mock.advance(30)
    assert _ends(cckm_mock) == "completed", "something an earlier test loaded is still there"
