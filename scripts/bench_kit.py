"""What one client test pays in the mock, with the Python kit: reset, token, start, advance, wait,
verify, repeated TESTS times against one server, per-test median and p99; then the same test
against scripts/peers/flask_mock.py, the hand-written kind of mock it replaces. Run by
scripts/bench (and alone: python bench_kit.py BINARY [TESTS]) in a venv with the kit and Flask."""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time

import requests

from cckm_mock import MockServer

HERE = os.path.dirname(os.path.abspath(__file__))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def kit_test(server: MockServer, session: requests.Session) -> None:
    server.reset()
    token = server.token()
    job = session.post(server.url + "/api/v1/cckm/aws/synchronization-jobs", json={"kms": ["kms"]},
                       headers={"Authorization": "Bearer " + token}).json()
    server.advance(30)
    assert server.wait(job["id"])["overall_status"] == "completed"
    server.verify(1, method="POST", body={"kms": ["kms"]})


def flask_test(base: str, session: requests.Session) -> None:
    session.post(base + "/__reset")
    token = session.post(base + "/api/v1/auth/tokens", json={"username": "admin", "password": "admin"}).json()["jwt"]
    job = session.post(base + "/api/v1/cckm/aws/synchronization-jobs", json={"kms": ["kms"]},
                       headers={"Authorization": "Bearer " + token}).json()
    session.post(base + "/__advance")
    assert session.get(base + "/api/v1/cckm/aws/synchronization-jobs/" + job["id"]).json()["overall_status"] == "completed"
    sent = [r for r in session.get(base + "/__requests").json()["requests"] if r["method"] == "POST" and '"kms"' in r["body"]]
    assert len(sent) == 1


def measure(test, tests: int) -> tuple[float, float]:
    times = []
    for _ in range(tests):
        began = time.perf_counter()
        test()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), percentile(times, 0.99)


def main() -> None:
    binary, tests = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    os.environ["CCKM_MOCK_BIN"] = binary
    rows = []
    for tls in (False, True):
        with MockServer(tls=tls, seed=1) as server:
            session = server.session()
            for _ in range(20):
                kit_test(server, session)
            median, p99 = measure(lambda: kit_test(server, session), tests)
            rows.append((f"cckm-mock with the kit, {'HTTPS verified' if tls else 'plain HTTP'}", median, p99))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    flask = subprocess.Popen([sys.executable, os.path.join(HERE, "peers", "flask_mock.py"), str(port)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        for _ in range(200):
            try:
                session.get(base + "/__health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        for _ in range(20):
            flask_test(base, session)
        median, p99 = measure(lambda: flask_test(base, session), tests)
        rows.append(("hand-written Flask mock (scripts/peers), plain HTTP", median, p99))
    finally:
        flask.terminate()
        flask.wait()
    print(f"per-test overhead over {tests} tests (reset, token, start, advance, wait, verify):")
    for name, median, p99 in rows:
        print(f"  {name}: median {median:.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
