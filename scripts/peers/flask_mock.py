"""A hand-written Flask mock of the CCKM job API, as teams write them today: the yardstick that
`scripts/bench` measures cckm-mock's per-test overhead against. In-memory jobs, a canned login, a
list with CM's paging and the family's filter, a start, an `/advance` that finishes every running
job, a reset, and a request log. No TLS, no clock, no persistence.

    python3 scripts/peers/flask_mock.py PORT [JOBS]
"""
from __future__ import annotations

import logging
import sys
import uuid
from datetime import datetime, timedelta, timezone

from flask import Flask, jsonify, request

app = Flask(__name__)
JOBS: dict[str, dict] = {}
REQUESTS: list[dict] = []
START = datetime(2020, 11, 5, 6, 38, 25, tzinfo=timezone.utc)


def stamp(offset: float = 0) -> str:
    return (START + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def seed(count: int) -> None:
    JOBS.clear()
    for n in range(count):
        job_id = str(uuid.UUID(int=n, version=4))
        JOBS[job_id] = {"id": job_id, "createdAt": stamp(n), "updatedAt": stamp(n + 5), "completed_at": stamp(n + 5),
                        "overall_status": "completed" if n % 10 else "failed", "detailed_status": {f"kms-{n % 50}": "done"},
                        "cloud": "aws", "regions": ["ap-south-1"], "kms": [f"kms-{n % 50}"], "abort": False}


@app.before_request
def record() -> None:
    if not request.path.startswith("/__"):
        REQUESTS.append({"method": request.method, "path": request.path, "body": request.get_data(as_text=True)})


@app.post("/api/v1/auth/tokens")
def login():
    return jsonify(jwt="a.b.c", duration=300, token_type="Bearer")


@app.get("/api/v1/cckm/aws/synchronization-jobs")
def list_jobs():
    jobs = list(JOBS.values())
    if "kms" in request.args:
        wanted = set(request.args["kms"].split(","))
        jobs = [j for j in jobs if wanted & set(j["kms"])]
    if "overall_status" in request.args:
        jobs = [j for j in jobs if j["overall_status"] == request.args["overall_status"]]
    field = request.args.get("sort", "-createdAt")
    jobs.sort(key=lambda j: j.get(field.lstrip("-+"), ""), reverse=field.startswith("-"))
    skip, limit = int(request.args.get("skip", 0)), int(request.args.get("limit", 10))
    return jsonify(skip=skip, limit=limit, total=len(jobs), resources=jobs[skip:skip + limit] if limit >= 0 else jobs[skip:])


@app.post("/api/v1/cckm/aws/synchronization-jobs")
def start_job():
    body = request.get_json(force=True)
    job_id = str(uuid.uuid4())
    JOBS[job_id] = {"id": job_id, "createdAt": stamp(), "updatedAt": stamp(), "overall_status": "in_progress",
                    "detailed_status": {k: "in_progress" for k in body.get("kms", [])}, "cloud": "aws", "kms": body.get("kms", []), "abort": False}
    return jsonify(JOBS[job_id]), 201


@app.get("/api/v1/cckm/aws/synchronization-jobs/<job_id>")
def get_job(job_id: str):
    return (jsonify(JOBS[job_id]), 200) if job_id in JOBS else (jsonify(code=16, message="Resource not found"), 404)


@app.post("/__advance")
def advance():
    for job in JOBS.values():
        if job["overall_status"] == "in_progress":
            job.update(overall_status="completed", completed_at=stamp(30), detailed_status={k: "region synchronized successfully" for k in job["kms"]})
    return jsonify(ok=True)


@app.post("/__reset")
def reset():
    REQUESTS.clear()
    for job_id in [j for j, job in JOBS.items() if job["createdAt"] == stamp()]:
        del JOBS[job_id]
    return jsonify(ok=True)


@app.get("/__requests")
def requests_log():
    return jsonify(requests=REQUESTS)


@app.get("/__health")
def health():
    return jsonify(status="ok")


if __name__ == "__main__":
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    seed(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
