"""The fleet scenario of scripts/bench: what a live test fleet does to a mock, as one figure.

CONNECTIONS clients, each a client test in a loop on its own kept-alive connection and in its own
domain: log in once, start a job, poll it by id until it is done, list with a filter and a sort,
start a second job, cancel it and poll until the cancel has taken effect. The server runs on the system clock with the simulator ticking,
so every write invalidates the response cache as in real use. Prints one JSON line: tests run,
per-test latency (p50, p99), requests/s, and the non-2xx answers that were not expected.

    python3 scripts/bench_fleet.py BASE_URL SECONDS [CONNECTIONS] [POLL_MS]

BASE_URL is plain HTTP; the server must declare the domains fleet-0 ... fleet-(CONNECTIONS-1) and
allow logins as admin/admin. The driver is asyncio on raw sockets (no HTTP library) so that it
spends as little as it can of the cores it shares with the server.
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


class Connection:
    """One kept-alive HTTP/1.1 connection: a request, then its whole answer (Content-Length)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host
        self.requests = 0

    async def call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(payload)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        self.requests += 1
        data = await self.reader.readexactly(length) if length else b""
        return status, json.loads(data) if data else {}


async def client(base: str, index: int, deadline: float, poll: float, latencies: list[float], surprises: list[str]) -> int:
    parts = urlsplit(base)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    http = Connection(reader, writer, parts.netloc)
    jobs = "/api/v1/cckm/google/synchronization-jobs"

    def expect(what: str, status: int, wanted: int) -> None:
        if status != wanted:
            surprises.append(f"{what}: {status}")

    status, login = await http.call("POST", "/api/v1/auth/tokens",
                                    {"grant_type": "password", "username": "admin", "password": "admin", "domain": f"fleet-{index}"})
    expect("login", status, 200)
    token = login["jwt"]

    async def until_done(job_id: str) -> None:
        while True:
            status, job = await http.call("GET", f"{jobs}/{job_id}", token=token)
            expect("poll", status, 200)
            if job.get("overall_status") != "in_progress":
                return
            await asyncio.sleep(poll)

    while time.perf_counter() < deadline:
        began = time.perf_counter()
        status, job = await http.call("POST", jobs, {"synchronize_all": True}, token)
        expect("start", status, 201)
        await until_done(job["id"])
        status, _ = await http.call("GET", f"{jobs}?overall_status=completed&sort=-updatedAt&limit=10", token=token)
        expect("list", status, 200)
        status, second = await http.call("POST", jobs, {"synchronize_all": True}, token)
        expect("second start", status, 201)
        status, _ = await http.call("POST", f"{jobs}/{second['id']}/cancel", {}, token)
        expect("cancel", status, 200)
        await until_done(second["id"])  # a cancel takes effect on the next tick, as on CM
        latencies.append((time.perf_counter() - began) * 1000)
    writer.close()
    return http.requests


async def fleet(base: str, seconds: float, connections: int, poll: float) -> dict:
    latencies: list[float] = []
    surprises: list[str] = []
    began = time.perf_counter()
    deadline = began + seconds
    counts = await asyncio.gather(*(client(base, n, deadline, poll, latencies, surprises) for n in range(connections)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else 0.0

    return {"tests": len(latencies), "tests_per_s": len(latencies) / elapsed, "rps": sum(counts) / elapsed,
            "p50": percentile(0.50), "p99": percentile(0.99), "surprises": len(surprises), "first_surprises": surprises[:5]}


def main() -> None:
    base, seconds = sys.argv[1], float(sys.argv[2])
    connections = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    poll = (float(sys.argv[4]) if len(sys.argv) > 4 else 20) / 1000
    print(json.dumps(asyncio.run(fleet(base, seconds, connections, poll))))


if __name__ == "__main__":
    main()
