"""MockServer against the real cckm-mock: HTTPS verified with the fetched certificate, the manual
clock, faults, verification, and every error the kit promises."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from cckm_mock import BinaryNotFound, MockError, MockServer, ServerExited, VerificationError, WaitTimeout
from cckm_mock.server import find_binary

GOOGLE = "/api/v1/cckm/google/synchronization-jobs"


@pytest.fixture(scope="module")
def server():
    with MockServer(seed=7) as running:
        yield running


@pytest.fixture(autouse=True)
def clean(server):
    server.reset(to="empty")


def start(server, rings=("ring-1", "ring-2"), domain="root"):
    answer = server.session(domain).post(server.url + GOOGLE, json={"key_rings": list(rings)})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_tls_is_verified_with_the_certificate_it_fetched(server):
    assert server.url.startswith("https://127.0.0.1:")
    assert Path(server.ca_cert).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert requests.get(server.url + "/__admin/health", verify=server.ca_cert).json() == {"status": "ok"}
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(server.url + "/__admin/health")  # the system's CAs do not know it


def test_a_job_runs_on_the_manual_clock(server):
    job = start(server)
    assert job["overall_status"] == "in_progress"
    server.advance(60)
    done = server.wait(job["id"], status="completed", timeout=2)
    assert done["overall_status"] == "completed" and list(done["detailed_status"]) == ["ring-1", "ring-2"]
    assert [e["to"] for e in server.events(job=job["id"])][-1] == "completed"


def test_wait_answers_when_another_thread_advances(server):
    job = start(server)
    timer = threading.Timer(0.2, server.advance, args=(60,))
    timer.start()
    try:
        assert server.wait(job["id"], timeout=5)["overall_status"] == "completed"
    finally:
        timer.join()


def test_wait_past_its_timeout_says_the_last_state(server):
    job = start(server)
    with pytest.raises(WaitTimeout) as caught:
        server.wait(job["id"], timeout=0.2)
    assert caught.value.status == 408 and caught.value.job["overall_status"] == "in_progress"
    said = str(caught.value)
    assert "last state" in said
    # What to do next, and no stray ": " where the request belongs.
    assert said.startswith(f"GET /__admin/jobs/{job['id']}/wait?status=done&timeout=200ms: 408 NCERRRequestTimeout: Request timeout: "), said
    assert "the clock is manual and moves only when told: POST /__admin/clock/advance" in said, said


def test_complete_and_fail_end_targets_now(server):
    job = start(server)
    failed = server.fail(job["id"], target="ring-1", message="quota exceeded")
    assert failed["detailed_status"]["ring-1"] == "quota exceeded"
    assert server.complete(job["id"])["overall_status"] == "failed"


def test_a_fault_removes_itself(server):
    session = server.session()
    with server.fault(path=GOOGLE, status=503, message="maintenance") as fault:
        answer = session.get(server.url + GOOGLE)
        assert answer.status_code == 503 and answer.json()["message"] == "maintenance"
        assert fault.hits == 1
    assert session.get(server.url + GOOGLE).status_code == 200


def test_verify_counts_and_says_what_came_instead(server):
    start(server, rings=["ring-9"])
    server.session().get(server.url + GOOGLE, params={"key_rings": "ring-9"})
    found = server.verify(1, method="POST", path="/api/v1/cckm/google/*", body={"key_rings": ["ring-9"]}, status=201, domain="root")
    assert found[0]["headers"]["Authorization"] == "***"
    server.verify(method="GET", query={"key_rings": "ring-9"})
    with pytest.raises(VerificationError) as caught:
        server.verify(1, method="POST", body={"key_rings": ["ring-8"]})
    assert caught.value.found == 0 and caught.value.near_misses
    first_miss = str(caught.value).splitlines()[2]
    assert first_miss.endswith('POST /api/v1/cckm/google/synchronization-jobs -> 201: body: expected {"key_rings":["ring-8"]}, got {"key_rings":["ring-9"]}')


def test_admin_errors_raise_one_type_with_the_envelope(server):
    with pytest.raises(MockError) as caught:
        server.advance(-1)
    assert caught.value.status == 400 and caught.value.code == 9 and "seconds" in caught.value.message
    with pytest.raises(MockError) as bad:
        server.requests(verb="GET")
    assert bad.value.status == 400 and '"verb"' in bad.value.message


def test_fixtures_load_from_dicts_and_a_reset_takes_them_away_unless_they_are_the_baseline(server):
    fixture = {"jobs": [{"family": "dsm", "id": "44444444-4444-4444-8444-444444444444", "createdAt": "now",
                         "overall_status": "completed", "domains": ["d"]}]}
    assert server.load_fixtures(fixture, mode="replace")["jobs"] == 1
    assert server.job("44444444-4444-4444-8444-444444444444")["family"] == "dsm"
    assert server.reset()["jobs"] == 0
    assert server.load_baseline(fixture)["jobs"] == 1
    start(server)
    assert server.reset()["jobs"] == 1
    assert server.job("44444444-4444-4444-8444-444444444444")["family"] == "dsm"
    assert server.reset(to="startup")["jobs"] == 0


def test_tokens_per_domain_see_only_their_jobs():
    with MockServer("--domain", "team-a", tls=False) as server:
        assert server.url.startswith("http://") and server.ca_cert is None
        start(server, domain="team-a")
        assert server.session().get(server.url + GOOGLE).json()["total"] == 0
        assert server.session("team-a", user="admin", password="admin").get(server.url + GOOGLE).json()["total"] == 1


def test_a_missing_binary_names_the_places_looked_at_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("CCKM_MOCK_BIN", str(tmp_path / "nothing"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BinaryNotFound) as caught:
        find_binary()
    message = str(caught.value)
    assert "$CCKM_MOCK_BIN=" in message and "cckm-mock on PATH" in message and f"in {tmp_path} and every folder above it" in message
    assert message.endswith("Fix: " + BinaryNotFound.fix) and "CCKM_MOCK_BIN=" in BinaryNotFound.fix


def test_the_nearest_clones_build_is_found_from_the_working_directory(monkeypatch, tmp_path):
    """Issue 43: after `pip install ./clients/python` the kit looked beside its own installed files,
    inside the virtual environment, and never found the clone's build."""
    monkeypatch.delenv("CCKM_MOCK_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    for build in ("release", "debug"):
        binary = tmp_path / "clone" / ".build" / build / "cckm-mock"
        binary.parent.mkdir(parents=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
    work = tmp_path / "clone" / "tests" / "deep"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert find_binary() == str(tmp_path / "clone" / ".build" / "release" / "cckm-mock")


def test_a_server_that_exits_at_start_shows_its_stderr():
    with pytest.raises(ServerExited) as caught:
        MockServer(None, "--time-scale", "0").start()
    assert caught.value.returncode == 2 and "--time-scale must be from 0.001 to 10000" in caught.value.stderr


def test_attaching_to_a_running_server_starts_nothing(server, monkeypatch):
    monkeypatch.setenv("CCKM_MOCK_URL", server.url)
    with MockServer() as attached:
        assert not attached.started_here and attached.url == server.url
        assert attached.ca_cert and attached.clock()["mode"] == "manual"
    assert server.clock()["mode"] == "manual", "leaving the block did not stop the shared server"


def test_no_process_is_left_behind_on_errors():
    server = MockServer(None, "--fixtures", "no-such-scenario")
    with pytest.raises(ServerExited):
        server.start()
    assert server._process is None and server.url == ""


def test_schedules_run_now_and_job_runs(server):
    config = server.schedule(
        {"name": "nightly-gcp", "operation": "cckm_synchronization", "run_at": "0 2 * * *",
         "cckm_synchronization_params": {"cloud_name": "gcp", "key_rings": ["ring-1"]}}
    )
    assert config["job_config_params"] == {"cloud_name": "gcp", "key_rings": ["ring-1"]}
    assert [c["id"] for c in server.schedules(name="nightly-gcp")] == [config["id"]]
    assert server.schedules(disabled=True) == []
    run = server.run_now(config["id"])
    assert run["status"] == "in_progress" and run["trigger"] == "run_now"
    server.settle()
    runs = server.job_runs(config_id=config["id"])
    assert [(r["id"], r["status"]) for r in runs] == [(run["id"], "completed")]
    assert server.job(run["details"]["job_id"], family="google")["job"]["overall_status"] == "completed"
    server.advance(86_400)
    assert [r["trigger"] for r in server.job_runs(config_id=config["id"])] == ["schedule", "run_now"]
    with pytest.raises(MockError) as refused:
        server.run_now("00000000-0000-4000-8000-000000000000")
    assert refused.value.status == 404


def test_the_root_token_outlives_a_reset_and_still_logs_in(server):
    """One round trip less per test: a reset keeps the signing key and the root domain."""
    kept = server.token()
    server.reset()
    assert server.token() == kept
    answer = requests.get(server.url + GOOGLE, headers={"Authorization": f"Bearer {kept}"}, verify=server.ca_cert)
    assert answer.status_code == 200, answer.text


def test_a_token_past_half_its_life_is_renewed(server, monkeypatch):
    first = server.token()
    later = time.monotonic() + 10_000
    monkeypatch.setattr("cckm_mock.server.time.monotonic", lambda: later)
    assert server.token() != first


def test_a_control_connection_the_server_closed_is_opened_again(server):
    server.advance(0)  # this thread's kept-alive connection
    connection = server._admin._local.connection
    connection.sock.shutdown(socket.SHUT_RDWR)  # as a server's idle timeout leaves it
    assert server.advance(0)["mode"] == "manual"
    assert server._admin._local.connection is not connection


def test_a_key_taken_out_of_the_cloud_is_gone_after_the_next_sync_and_a_change_arrives(server):
    kept = server.add_cloud_key("us-east-1", alias="kept")
    removed = server.add_cloud_key("us-east-1", alias="removed")
    sync = "/api/v1/cckm/aws/synchronization-jobs"
    assert server.session().post(server.url + sync, json={"kms": ["kms"]}).status_code == 201
    server.settle()
    assert {key["aws_param"]["KeyID"] for key in server.keys()} == {kept["KeyId"], removed["KeyId"]}
    server.remove_cloud_key(removed["KeyId"])
    assert server.change_cloud_key(kept["KeyId"], KeyState="Disabled")["parameters"]["KeyState"] == "Disabled"
    assert server.keys(gone=True) == []
    assert server.session().post(server.url + sync, json={"kms": ["kms"]}).status_code == 201
    server.settle()
    [gone] = server.keys(gone=True)
    assert gone["aws_param"]["KeyID"] == removed["KeyId"]
    assert server.keys(keystate="Disabled")[0]["aws_param"]["KeyID"] == kept["KeyId"]
    with pytest.raises(MockError) as refused:
        server.remove_cloud_key(removed["KeyId"])
    assert refused.value.status == 404


VAULT = "keyvault-softkeys::12e533dd-b5c2-4e58-a264-0cd812dc5a34"


def test_an_azure_key_arrives_one_record_per_version_and_goes_with_every_version(server):
    server.add_cloud_record("azure/keys", {"vault": VAULT, "name": "orders"})
    latest = server.add_cloud_record("azure/keys", {"vault": VAULT, "name": "orders"})
    sync = "/api/v1/cckm/azure/synchronization-jobs"
    assert server.session().post(server.url + sync, json={"key_vaults": [VAULT]}).status_code == 201
    server.settle()
    assert len(server.records("azure/keys", key_name="orders")) == 2
    [newest] = server.records("azure/keys", key_name="orders", version=-1)
    assert newest["azure_param"]["key"]["kid"].endswith("/orders/" + latest["id"]) and newest["version_count"] == 2
    server.remove_cloud_record("azure/keys", latest["id"])
    assert server.session().post(server.url + sync, json={"key_vaults": [VAULT]}).status_code == 201
    server.settle()
    assert len(server.records("azure/keys", gone=True)) == 2


def test_a_stub_answers_an_endpoint_the_mock_does_not_model_until_removed(server):
    with server.stub({"request": {"method": "GET", "urlPath": "/api/v1/vault/keys2"}, "response": {"jsonBody": {"total": 0, "resources": []}}}) as stub:
        assert server.session().get(server.url + "/api/v1/vault/keys2").json() == {"total": 0, "resources": []}
        assert [m["id"] for m in server.stubs()] == [stub.id]
    assert server.session().get(server.url + "/api/v1/vault/keys2").status_code == 404
    assert server.stubs() == []
