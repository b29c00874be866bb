"""The pytest plugin as a team uses it: a five-line test with its own HTTP client."""

from __future__ import annotations

import os


def test_a_client_test_in_five_lines(pytester):
    pytester.makepyfile(
        """
        import requests

        def test_sync(cckm_mock):
            job = requests.post(cckm_mock.url + "/api/v1/cckm/aws/synchronization-jobs", json={"kms": ["kms"]},
                                headers={"Authorization": "Bearer " + cckm_mock.token()}, verify=cckm_mock.ca_cert).json()
            cckm_mock.advance(30)
            assert cckm_mock.wait(job["id"])["overall_status"] == "completed"
            cckm_mock.verify(1, method="POST", body={"kms": ["kms"]})
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_each_test_starts_from_a_reset_and_a_marker_gives_its_own_server(pytester):
    pytester.makepyfile(
        """
        import pytest

        def test_one(cckm_mock):
            cckm_mock.session().post(cckm_mock.url + "/api/v1/cckm/sap/synchronization-jobs", json={"groups": ["g"]})
            assert len(cckm_mock.requests()) == 1

        def test_two(cckm_mock):
            assert cckm_mock.requests() == []

        @pytest.mark.cckm_mock(fixtures=["tenants"], args=["--allow-concurrent-jobs"])
        def test_own(cckm_mock, cckm_mock_server):
            assert cckm_mock.url != cckm_mock_server.url
            assert cckm_mock.session("team-a", user="alice", password="alice-secret").get(
                cckm_mock.url + "/api/v1/cckm/oci/synchronization-jobs").json()["total"] == 1
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--cckm-mock-seed", "3")
    result.assert_outcomes(passed=3)
