"""The kit's Testcontainers module against the image (scripts/test-image runs this with podman's
Docker-compatible socket; it needs the image and an engine, so the kit's own suite leaves it out)."""

from __future__ import annotations

import requests

from cckm_mock.testcontainers import CckmMockContainer

DOCS_JOB = "afef70ff-311e-46c1-8ead-e1999e8c6d46"


def test_the_module_starts_the_image_and_its_client_steers_it() -> None:
    with CckmMockContainer() as mock:
        assert mock.url.startswith("https://") and mock.ca_cert is not None and mock.client is not None
        client = mock.client
        headers = {"Authorization": "Bearer " + client.token()}
        docs = requests.get(f"{mock.url}/api/v1/cckm/aws/synchronization-jobs/{DOCS_JOB}", headers=headers, verify=mock.ca_cert)
        assert docs.status_code == 200 and docs.json()["overall_status"] == "completed"
        job = requests.post(mock.url + "/api/v1/cckm/aws/synchronization-jobs", json={"kms": ["kms"]}, headers=headers,
                            verify=mock.ca_cert).json()
        assert job["overall_status"] == "in_progress"
        assert client.clock()["mode"] == "manual"
        client.advance(60)
        assert client.wait(job["id"])["overall_status"] == "completed"
        client.verify(1, method="POST", path="/api/v1/cckm/aws/synchronization-jobs", body={"kms": ["kms"]})
        with client.fault(path="/api/v1/cckm/aws/synchronization-jobs", method="GET", status=503, times=1):
            assert requests.get(mock.url + "/api/v1/cckm/aws/synchronization-jobs", headers=headers,
                                verify=mock.ca_cert).status_code == 503
        client.load_fixtures({"jobs": [{"family": "oci", "id": "44444444-4444-4444-8444-444444444444", "createdAt": "-1m",
                                        "overall_status": "completed"}]})
        assert client.job("44444444-4444-4444-8444-444444444444")["family"] == "oci"


def test_the_pytest_fixture_hands_out_a_reset_container(cckm_mock_container: CckmMockContainer) -> None:
    client = cckm_mock_container.client
    assert client is not None
    assert client.requests() == []  # reset before the test: nothing journaled yet
    page = client.session().get(cckm_mock_container.url + "/api/v1/cckm/aws/synchronization-jobs").json()
    assert page["total"] >= 1 and all(job["cloud"] == "aws" for job in page["resources"])
