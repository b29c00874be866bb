"""The pytest plugin as a team uses it: a five-line test with its own HTTP client."""

from __future__ import annotations

import os
from pathlib import Path

from cckm_mock import MockServer


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


SESSION_STYLE = """
import requests

def test_session_verify_set_to_the_certificate(cckm_mock):
    s = requests.Session(); s.verify = cckm_mock.ca_cert
    assert s.get(cckm_mock.url + "/api/v1/cckm/aws/synchronization-jobs",
                 headers={"Authorization": "Bearer " + cckm_mock.token()}).status_code == 200

def test_no_verify_at_all(cckm_mock):
    assert requests.get(cckm_mock.url + "/__admin/health").status_code == 200

def test_urllib_too(cckm_mock):
    import urllib.request
    assert urllib.request.urlopen(cckm_mock.url + "/__admin/health").status == 200
"""


def _system_bundle() -> str:
    from cckm_mock.server import SYSTEM_BUNDLES

    return next(path for path in SYSTEM_BUNDLES if os.path.isfile(path))


def test_tls_is_trusted_with_no_code_whatever_the_machine_set(pytester, monkeypatch):
    """Issue 25: with REQUESTS_CA_BUNDLE set (CI images, corporate laptops), requests let it win over
    `Session.verify`, and both tests failed with CERTIFICATE_VERIFY_FAILED."""
    pytester.makepyfile(SESSION_STYLE)
    for setting in (_system_bundle(), None):
        if setting is None:
            monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        else:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", setting)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
        result.assert_outcomes(passed=3)
        assert os.environ.get("REQUESTS_CA_BUNDLE") == setting, "restored after the session"


def test_the_opt_out_leaves_the_variables_alone(pytester, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", _system_bundle())
    pytester.makepyfile(SESSION_STYLE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--cckm-mock-no-trust-env")
    result.assert_outcomes(passed=0, failed=3)
    pytester.makeini("[pytest]\ncckm_mock_trust_env = false\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=0, failed=3)


def test_a_server_with_trust_env_restores_what_was_set(monkeypatch):
    from cckm_mock import MockServer

    monkeypatch.setenv("SSL_CERT_FILE", "/nowhere.pem")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with MockServer(trust_env=True) as server:
        assert server.ca_bundle and os.environ["SSL_CERT_FILE"] == server.ca_bundle == os.environ["CURL_CA_BUNDLE"]
        assert open(server.ca_bundle).read().count("BEGIN CERTIFICATE") > 1, "the system's authorities and the mock's"
    assert os.environ["SSL_CERT_FILE"] == "/nowhere.pem" and "CURL_CA_BUNDLE" not in os.environ


# Issue 35: a test that loads a failing script, then one that expects a clean server. Three tests
# in file order (clean, load, clean) prove both orders: nothing a test loads reaches the next.
ISOLATION = """
FAILING = {"scripts": [{"family": "aws", "target": "eu-west-1", "after": 3, "outcome": "fail", "message": "throttled"}],
           "jobs": [{"family": "oci", "id": "44444444-4444-4444-8444-444444444444", "createdAt": "-1m", "overall_status": "completed"}]}

def start_and_end(cckm_mock):
    job = cckm_mock.session().post(cckm_mock.url + "/api/v1/cckm/aws/synchronization-jobs",
                                   json={"kms": ["kms"], "regions": ["eu-west-1"]}).json()
    cckm_mock.advance(30)
    return cckm_mock.wait(job["id"])["overall_status"]

def test_1_expects_a_clean_server(cckm_mock):
    assert cckm_mock.reset() == {"jobs": 0}
    assert start_and_end(cckm_mock) == "completed"

def test_2_loads_a_failing_script(cckm_mock):
    cckm_mock.load_fixtures(FAILING)
    assert start_and_end(cckm_mock) == "failed"

def test_3_expects_a_clean_server_again(cckm_mock):
    assert cckm_mock.reset() == {"jobs": 0}
    assert start_and_end(cckm_mock) == "completed"
"""


def test_nothing_a_test_loads_reaches_the_next_test(pytester):
    pytester.makepyfile(ISOLATION)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=3)


def test_a_baseline_is_loaded_on_purpose_and_undone_by_a_startup_reset(pytester):
    pytester.makepyfile(
        """
        def test_baseline(cckm_mock):
            job = {"family": "oci", "id": "44444444-4444-4444-8444-444444444444", "createdAt": "-1m", "overall_status": "completed"}
            assert cckm_mock.load_baseline({"jobs": [job]})["baseline"] is True
            assert cckm_mock.reset() == {"jobs": 1}
            assert cckm_mock.reset(to="startup") == {"jobs": 0}
            assert cckm_mock.reset() == {"jobs": 0}
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_servers_stopped_out_of_order_leave_the_newest_bundle_and_then_what_was_set(monkeypatch):
    """Issue 31 #15: start A, start B, stop A, stop B left the variables naming A's deleted bundle."""
    monkeypatch.setenv("SSL_CERT_FILE", "/nowhere.pem")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    a = MockServer(trust_env=True).start()
    b = MockServer(trust_env=True).start()
    try:
        assert os.environ["SSL_CERT_FILE"] == b.ca_bundle
        a.stop()
        bundle = os.environ["SSL_CERT_FILE"]
        assert bundle == b.ca_bundle and os.path.isfile(bundle), "B runs, and is trusted"
        assert Path(b.ca_cert).read_text() in Path(bundle).read_text()
    finally:
        a.stop()
        b.stop()
    assert os.environ["SSL_CERT_FILE"] == "/nowhere.pem" and "REQUESTS_CA_BUNDLE" not in os.environ


def test_attached_the_kit_trusts_the_fetched_certificate_for_its_own_calls_only(monkeypatch):
    """Issue 31 #8: attached, the fetched certificate was added to the process-wide bundle, so a CA
    served there verified any host in the test process."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    with MockServer() as running:
        with MockServer(url=running.url, trust_env=True) as attached:
            assert not attached.started_here and attached.ca_cert
            assert "REQUESTS_CA_BUNDLE" not in os.environ and attached.ca_bundle is None
            assert attached.session().get(attached.url + "/__admin/health").status_code == 200
        with MockServer(url=running.url, trust_env="attached") as asked:
            assert os.environ["REQUESTS_CA_BUNDLE"] == asked.ca_bundle
    assert "REQUESTS_CA_BUNDLE" not in os.environ
