"""`MockServer`: a cckm-mock process started on a free port for the length of a `with` block (or
a running one attached to through `CCKM_MOCK_URL`), and every control-API call a test needs."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any, Iterable, Mapping, Sequence, TypeVar

from cckm_mock.errors import BinaryNotFound, MockError, ServerExited, VerificationError, WaitTimeout
from cckm_mock.transport import Reply, Transport

#: Where `MockServer` looks for the executable after its `binary` argument: these, in order.
BINARY_VARIABLE = "CCKM_MOCK_BIN"
URL_VARIABLE = "CCKM_MOCK_URL"
ADMIN_TOKEN_VARIABLE = "CCKM_MOCK_ADMIN_TOKEN"
#: What `trust_env=True` points at one bundle of the system's authorities and the mock's certificate.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
#: Where Debian, Fedora and Alpine keep the system's authorities, first found wins.
SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem")


class _TrustedBundles:
    """The bundles `trust_env` servers point the CA variables at, newest last. The variables are
    the process's, so the servers of one process share this: each stop takes its own bundle out
    and the variables go to the newest bundle left, or back to what they were before the first
    (a stop restoring what its own start saw left them naming a bundle another stop deleted)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bundles: list[str] = []
        self._before: dict[str, str | None] = {}

    def push(self, bundle: str) -> None:
        with self._lock:
            if not self._bundles:
                self._before = {name: os.environ.get(name) for name in CA_BUNDLE_VARIABLES}
            self._bundles.append(bundle)
            self._point_at(bundle)

    def remove(self, bundle: str) -> None:
        with self._lock:
            if bundle not in self._bundles:
                return
            self._bundles.remove(bundle)
            if self._bundles:
                self._point_at(self._bundles[-1])
                return
            for name, value in self._before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    @staticmethod
    def _point_at(bundle: str) -> None:
        for name in CA_BUNDLE_VARIABLES:
            os.environ[name] = bundle


_TRUSTED = _TrustedBundles()


def nearest_build(start: Path) -> Path | None:
    """The first `.build/release/cckm-mock` (then `.build/debug/cckm-mock`) in `start` or a folder
    above it: the build of the clone a user works in."""
    for folder in (start, *start.parents):
        for build in ("release", "debug"):
            candidate = folder / ".build" / build / "cckm-mock"
            if os.access(candidate, os.X_OK) and candidate.is_file():
                return candidate
    return None


def find_binary(binary: str | os.PathLike[str] | None = None) -> str:
    """The cckm-mock executable: `binary`, else `$CCKM_MOCK_BIN`, else the nearest clone's build
    from the working directory (`.build/release/cckm-mock`, then `.build/debug/cckm-mock`, here or
    in the first folder above that has one), else the one inside this package (the platform wheel
    carries it), else `cckm-mock` on `PATH`. Raises `BinaryNotFound` naming every place looked at
    and the line that fixes it."""
    looked_at = []
    if binary is not None:
        if os.access(binary, os.X_OK):
            return os.path.abspath(binary)
        looked_at.append(f"binary={os.fspath(binary)!r} (not an executable file)")
    variable = os.environ.get(BINARY_VARIABLE)
    if variable:
        if os.access(variable, os.X_OK):
            return os.path.abspath(variable)
        looked_at.append(f"${BINARY_VARIABLE}={variable} (not an executable file)")
    else:
        looked_at.append(f"${BINARY_VARIABLE} (not set)")
    here = Path.cwd()
    found = nearest_build(here)
    if found is not None:
        return str(found)
    looked_at.append(f".build/release/cckm-mock and .build/debug/cckm-mock in {here} and every folder above it (none)")
    packaged = Path(__file__).resolve().parent / "bin" / "cckm-mock"
    if os.access(packaged, os.X_OK):
        return str(packaged)
    looked_at.append(f"{packaged} (none: this is not the platform wheel)")
    on_path = shutil.which("cckm-mock")
    if on_path:
        return on_path
    looked_at.append("cckm-mock on PATH (none)")
    raise BinaryNotFound(looked_at)


_Handle_T = TypeVar("_Handle_T", bound="_Handle")


class _Handle:
    """Something a test put on the server at `path`; `remove()` (or leaving its `with` block)
    takes it away, and one already gone (a reset, a fault's `times` used up) is fine."""

    def __init__(self, server: MockServer, path: str) -> None:
        self._server = server
        self._path = path

    def remove(self) -> None:
        try:
            self._server._call("DELETE", self._path)
        except MockError as error:
            if error.status != 404:
                raise

    def __enter__(self: _Handle_T) -> _Handle_T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class Stub(_Handle):
    """A stub in WireMock's mapping format on the server."""

    def __init__(self, server: MockServer, mapping: Mapping[str, Any]) -> None:
        self.mapping = dict(mapping)
        self.id: str = self.mapping["id"]
        super().__init__(server, f"/__admin/mappings/{self.id}")


class Fault(_Handle):
    """A fault rule on the server."""

    def __init__(self, server: MockServer, rule: Mapping[str, Any]) -> None:
        self.rule = dict(rule)
        self.id: str = self.rule["id"]
        super().__init__(server, f"/__admin/faults/{self.id}")

    @property
    def hits(self) -> int:
        """How many requests the rule has answered so far."""
        return int(self._server._call("GET", f"/__admin/faults/{self.id}")["hits"])


class MockServer:
    """A cckm-mock for a test session.

    Started on a free port with a manual clock and a throwaway store, HTTPS by default; or, when
    `CCKM_MOCK_URL` is set (a container, a shared instance), attached to without starting anything.
    Use it as a context manager: the process it started is stopped on the way out, errors included.

    Extra positional `args` are passed to `cckm-mock serve` as they are (`"--allow-concurrent-jobs"`).

    With `trust_env=True` (what the pytest plugin does), `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE` and
    `CURL_CA_BUNDLE` point, while a server this object started runs, at one bundle of the system's
    authorities, the bundles those variables named before, and the mock's certificate: a plain
    `requests`, `httpx`, `urllib` or `curl` call then verifies the mock, whatever the machine set.
    `stop()` restores them. Attached to a URL, it leaves them alone unless `trust_env="attached"`:
    a certificate fetched from a server it did not start is trusted by its own calls only, not by
    every HTTPS call of the process (a man in the middle could serve a CA there).
    """

    def __init__(
        self,
        binary: str | os.PathLike[str] | None = None,
        *args: str,
        tls: bool = True,
        clock: str = "manual",
        seed: int | None = None,
        fixtures: Iterable[str | os.PathLike[str]] = (),
        data: str = ":memory:",
        url: str | None = None,
        admin_token: str | None = None,
        startup_timeout: float = 30.0,
        trust_env: bool | str = False,
    ) -> None:
        # MockServer("--allow-concurrent-jobs") means a flag: no executable's path starts with "-".
        if isinstance(binary, str) and binary.startswith("-"):
            args = (binary, *args)
            binary = None
        self._binary = binary
        self._args = list(args)
        self._tls = tls
        self._clock = clock
        self._seed = seed
        self._fixtures = [os.fspath(f) for f in fixtures]
        self._data = data
        self._attach_url = url if url is not None else os.environ.get(URL_VARIABLE) or None
        self._admin_token = admin_token if admin_token is not None else os.environ.get(ADMIN_TOKEN_VARIABLE) or None
        self._startup_timeout = startup_timeout
        self._trust_env = trust_env
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._admin: Any = None
        self.url = ""
        self.ca_cert: str | None = None
        #: With `trust_env`, the bundle the CA variables point at while the server runs.
        self.ca_bundle: str | None = None
        # (domain, user) -> (JWT, when to get a new one: half-way through its life).
        self._tokens: dict[tuple[str, str | None], tuple[str, float]] = {}

    # ------------------------------------------------------------------ life cycle

    @property
    def started_here(self) -> bool:
        """Whether this object runs the process (False when attached through a URL)."""
        return self._process is not None

    def start(self) -> MockServer:
        """Starts the process (or attaches), fetches the certificate; idempotent."""
        if self.url:
            return self
        self._workdir = tempfile.TemporaryDirectory(prefix="cckm-mock-kit-")
        try:
            if self._attach_url:
                self.url = self._attach_url.rstrip("/")
            else:
                self.url = self._launch()
            self._trust_certificate()
            widen = self._trust_env == "attached" or (self._trust_env is True and not self._attach_url)
            if widen and self.ca_cert:
                self._point_environment_at_bundle()
            # Kept-alive connections for every control call: a TLS handshake each would triple a
            # test's cost. No proxy from the environment: the server is on loopback or in a container.
            self._admin = Transport(self.url, self.ca_cert, {"Authorization": f"Bearer {self._admin_token}"} if self._admin_token else {})
            self._call("GET", "/__admin/health")
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self) -> str:
        binary = find_binary(self._binary)
        command = [binary, "serve", "--port", "0", "--data", self._data, "--clock", self._clock, "--tls", "on" if self._tls else "off"]
        if self._seed is not None:
            command += ["--seed", str(self._seed)]
        for fixture in self._fixtures:
            command += ["--fixtures", fixture]
        if not any(a.startswith("--log-level") for a in self._args):
            command += ["--log-level", "warning"]  # errors still reach stderr; no access log
        if self._admin_token:
            command += ["--admin-token", self._admin_token]
        command += self._args
        assert self._workdir is not None
        self._stderr = open(Path(self._workdir.name) / "stderr", "w+b")
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
                                         cwd=self._workdir.name)
        line = self._first_line(time.monotonic() + self._startup_timeout)
        if not line.startswith("listening on "):
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            raise ServerExited(self._process.returncode, self._stderr_tail() or f"(first line: {line!r})")
        return line[len("listening on "):]

    def _first_line(self, deadline: float) -> str:
        """The first line on the server's standard output, or what came of it by `deadline`."""
        assert self._process is not None and self._process.stdout is not None
        stream = self._process.stdout
        line = b""
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            byte = os.read(stream.fileno(), 1)
            if not byte:
                break
            line += byte
        return line.decode(errors="replace").strip()

    def _stderr_tail(self, lines: int = 20) -> str:
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return "\n".join(self._stderr.read().decode(errors="replace").splitlines()[-lines:])

    def _trust_certificate(self) -> None:
        """Fetches the server's certificate once (the only unverified call) and verifies every
        call after it against that certificate."""
        if not self.url.startswith("https://"):
            return
        bootstrap = ssl.create_default_context()
        bootstrap.check_hostname = False
        bootstrap.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(self.url + "/__admin/tls/cert.pem", context=bootstrap, timeout=10) as answer:
            pem = answer.read()
        assert self._workdir is not None
        path = Path(self._workdir.name) / "ca.pem"
        path.write_bytes(pem)
        self.ca_cert = str(path)

    def _point_environment_at_bundle(self) -> None:
        """Writes the bundle and points the variables at it, until `stop()`."""
        assert self._workdir is not None and self.ca_cert is not None
        sources = [path for path in SYSTEM_BUNDLES if os.path.isfile(path)][:1]
        # What the machine pointed them at stays trusted too (a corporate proxy's authority).
        sources += [value for name in CA_BUNDLE_VARIABLES if (value := os.environ.get(name)) and os.path.isfile(value)]
        parts = []
        for source in dict.fromkeys(sources):
            parts.append(Path(source).read_text(errors="replace").rstrip("\n") + "\n")
        parts.append(Path(self.ca_cert).read_text())
        bundle = Path(self._workdir.name) / "ca-bundle.pem"
        bundle.write_text("".join(parts))
        self.ca_bundle = str(bundle)
        _TRUSTED.push(self.ca_bundle)

    def _restore_environment(self) -> None:
        bundle, self.ca_bundle = self.ca_bundle, None
        if bundle is not None:
            _TRUSTED.remove(bundle)

    def stop(self) -> None:
        """Stops the process this object started (SIGTERM, then SIGKILL after 10 s); idempotent."""
        self._restore_environment()
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None
        self.url = ""
        self._tokens.clear()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ HTTP

    def _call(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None, timeout: float = 30) -> Any:
        """One control-API call; the parsed JSON answer (None for 204). Raises `MockError`."""
        if not self.url or self._admin is None:
            raise RuntimeError("the server is not started: use `with MockServer() as server:` or call start()")
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        return _answer(self._admin.request(method, path, data, headers, timeout), method, path)

    def _object(self, method: str, path: str, body: Any = None, **options: Any) -> dict[str, Any]:
        """A call whose answer is a JSON object."""
        answer = self._call(method, path, body, **options)
        if not isinstance(answer, dict):
            raise MockError(0, {"message": f"expected a JSON object, got {answer!r:.200}"}, method, path)
        return answer

    def _list(self, method: str, path: str, body: Any, member: str) -> list[dict[str, Any]]:
        """A call whose answer holds a list of objects under `member`."""
        items = self._object(method, path, body).get(member)
        if not isinstance(items, list):
            raise MockError(0, {"message": f"expected a list in {member!r}"}, method, path)
        return [item for item in items if isinstance(item, dict)]

    # ------------------------------------------------------------------ login

    def token(self, domain: str = "root", user: str | None = None, password: str | None = None) -> str:
        """A bearer token (JWT) for `domain`: CM's password login when `user` is given, otherwise
        the control API's admin token for the domain. Kept per domain and user until half its life
        (`--token-ttl`) is over; the root domain's admin token outlives a reset, which keeps the
        server's signing key and the root domain (one round trip less per test)."""
        key = (domain, user)
        kept = self._tokens.get(key)
        if kept is not None and time.monotonic() < kept[1]:
            return kept[0]
        if user is not None:
            body = {"grant_type": "password", "username": user, "password": password or "", "domain": domain}
            answer = self._object("POST", "/api/v1/auth/tokens", body)
        else:
            answer = self._object("POST", "/__admin/tokens", {"domain": domain})
        jwt = str(answer["jwt"])
        self._tokens[key] = (jwt, time.monotonic() + float(answer.get("duration", 0)) / 2)
        return jwt

    def session(self, domain: str = "root", user: str | None = None, password: str | None = None) -> Any:
        """A `requests.Session` for the CCKM API: base URL in `.base_url`, the bearer token of
        `domain` set, and TLS verified against the server's certificate."""
        from cckm_mock.sessions import VerifiedSession

        session = VerifiedSession()
        session.headers["Authorization"] = f"Bearer {self.token(domain, user, password)}"
        session.verify = self.ca_cert if self.ca_cert else True
        session.base_url = self.url  # type: ignore[attr-defined]
        return session

    # ------------------------------------------------------------------ state and clock

    def reset(self, to: str = "fixtures", domain: str | None = None) -> dict[str, Any]:
        """Back to the baseline: the fixtures the server started with, unless `load_baseline` set
        another (`to="startup"`: the start-up fixtures, the baseline again; `to="empty"`: nothing),
        for every domain or one. Whatever `load_fixtures` loaded since is gone. A full reset also
        clears the journal and the fault rules, and drops users a loaded fixture added."""
        query = {"to": to, **({"domain": domain} if domain else {})}
        # A reset may remove a domain or a user a fixture added; the root's admin token stays good.
        self._tokens = {key: kept for key, kept in self._tokens.items() if key == ("root", None)}
        return self._object("POST", "/__admin/reset?" + urllib.parse.urlencode(query))

    def load_fixtures(self, *fixtures: Mapping[str, Any] | str | os.PathLike[str], mode: str = "merge") -> dict[str, Any]:
        """Loads fixtures for this test: dicts, JSON text, or files. `mode="replace"` makes them the
        whole state. The next `reset()` takes them away again."""
        return self._load(fixtures, mode, baseline=False)

    def load_baseline(self, *fixtures: Mapping[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
        """Makes these fixtures the whole state and what every later `reset()` returns to, for a
        suite that wants another start than the server's (`reset(to="startup")` undoes it)."""
        return self._load(fixtures, "replace", baseline=True)

    def _load(self, fixtures: Iterable[Mapping[str, Any] | str | os.PathLike[str]], mode: str, baseline: bool) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for index, fixture in enumerate(fixtures):
            if isinstance(fixture, Mapping):
                raw = json.dumps(fixture).encode()
            elif isinstance(fixture, str) and fixture.lstrip().startswith("{"):
                raw = fixture.encode()
            else:
                raw = Path(fixture).read_bytes()
            query = {"mode": mode if index == 0 else "merge", **({"baseline": "true"} if baseline else {})}
            result = self._object("POST", "/__admin/fixtures?" + urllib.parse.urlencode(query), raw=raw)
        return result

    def clock(self) -> dict[str, Any]:
        """`{"mode", "now", "timeScale"}`."""
        return self._object("GET", "/__admin/clock")

    def advance(self, seconds: float) -> dict[str, Any]:
        """Moves the manual clock; every transition due on the way fires."""
        return self._object("POST", "/__admin/clock/advance", {"seconds": seconds})

    def settle(self) -> dict[str, Any]:
        """Runs every job in progress to its end."""
        return self._object("POST", "/__admin/jobs/settle")

    # ------------------------------------------------------------------ jobs

    def job(self, job_id: str, family: str | None = None) -> dict[str, Any]:
        """`{"family", "domain", "job"}` for the job with this id, across families."""
        query = {"id": job_id, "limit": "1", **({"family": family} if family else {})}
        found = self._list("GET", "/__admin/jobs?" + urllib.parse.urlencode(query), None, "resources")
        if not found:
            raise MockError(404, {"code": 16, "codeDesc": "NCERRResourceNotFound: Resource not found", "message": f"No job {job_id}"})
        return found[0]

    def wait(self, job_id: str, status: str = "done", timeout: float = 10.0, family: str | None = None) -> dict[str, Any]:
        """The job once it reaches `status` (`in_progress`, `completed`, `failed`, or `done` for either
        end). With the manual clock something must move it meanwhile (another thread's `advance`).
        Raises `WaitTimeout`, carrying the job's last state, after `timeout` seconds."""
        query = {"status": status, "timeout": f"{max(1, int(timeout * 1000))}ms", **({"family": family} if family else {})}
        path = f"/__admin/jobs/{job_id}/wait?" + urllib.parse.urlencode(query)
        try:
            return self._object("GET", path, timeout=timeout + 10)
        except MockError as error:
            if error.status != 408:
                raise
            try:
                last = self.job(job_id, family)["job"]
            except MockError:
                last = None
            raise WaitTimeout(error.envelope, last, "GET", path) from None

    def complete(self, job_id: str, target: str | None = None, message: str | None = None, family: str | None = None) -> dict[str, Any]:
        """Ends the job's running targets (or one) well, now."""
        return self._end(job_id, "complete", target, message, family)

    def fail(self, job_id: str, target: str | None = None, message: str | None = None, family: str | None = None) -> dict[str, Any]:
        """Ends the job's running targets (or one) as failed, now; `target` may be a region alone."""
        return self._end(job_id, "fail", target, message, family)

    def _end(self, job_id: str, verb: str, target: str | None, message: str | None, family: str | None) -> dict[str, Any]:
        body = {k: v for k, v in (("target", target), ("message", message)) if v is not None}
        query = "?" + urllib.parse.urlencode({"family": family}) if family else ""
        return self._object("POST", f"/__admin/jobs/{job_id}/{verb}{query}", body or None)

    # ------------------------------------------------------------------ scheduler

    def _api(self, method: str, path: str, body: Any = None, domain: str = "root") -> Any:
        """One call of CM's own API (not the control API) with `domain`'s bearer token; the parsed
        JSON answer (None for 204). Raises `MockError` with CM's envelope."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.token(domain)}", **({"Content-Type": "application/json"} if data is not None else {})}
        return _answer(self._admin.request(method, path, data, headers, 30), method, path)

    def schedules(self, domain: str = "root", **filters: Any) -> list[dict[str, Any]]:
        """The domain's scheduler job configurations (filters `name`, `id`, `operation`,
        `disabled`), every page."""
        query = {"limit": "-1", **{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in filters.items()}}
        answer = self._api("GET", "/api/v1/scheduler/job-configs?" + urllib.parse.urlencode(query), domain=domain)
        return [item for item in answer.get("resources", []) if isinstance(item, dict)]

    def schedule(self, config: Mapping[str, Any], domain: str = "root") -> dict[str, Any]:
        """Creates a scheduler job configuration (CM's body: `name`, `operation`, `run_at`, and the
        operation's params block) and returns it as stored."""
        return dict(self._api("POST", "/api/v1/scheduler/job-configs", dict(config), domain=domain))

    def run_now(self, config_id: str, domain: str = "root") -> dict[str, Any]:
        """Runs a configuration now on the mock's clock, as its due time would; returns the job run."""
        return dict(self._api("POST", f"/api/v1/scheduler/job-configs/{config_id}/run-now", domain=domain))

    def job_runs(
        self, domain: str = "root", *, config_id: str | None = None, status: str | None = None, sort: str = "-createdAt", **filters: Any
    ) -> list[dict[str, Any]]:
        """The domain's job runs (`/api/v1/scheduler/jobs`), newest first unless `sort` says
        otherwise; filters `config_id`, `status` and `operation`, `name`, `id`."""
        query = {"limit": "-1", "sort": sort, **{k: str(v) for k, v in filters.items()}}
        if config_id:
            query["job_config_id"] = config_id
        if status:
            query["job_status"] = status
        answer = self._api("GET", "/api/v1/scheduler/jobs?" + urllib.parse.urlencode(query), domain=domain)
        return [item for item in answer.get("resources", []) if isinstance(item, dict)]

    # ------------------------------------------------------------------ the fake cloud and CM's inventory

    def add_cloud_key(
        self, region: str, alias: str | None = None, account_id: str | None = None, **parameters: Any
    ) -> dict[str, Any]:
        """Puts a key into the fake AWS cloud (`parameters`: `aws_param` members over the defaults,
        such as `KeyState="PendingDeletion"`); CM's inventory shows it after a sync of its region.
        Returns the cloud key, whose `KeyId` is AWS's id."""
        body: dict[str, Any] = {"region": region}
        if alias is not None:
            body["alias"] = alias
        if account_id is not None:
            body["account_id"] = account_id
        if parameters:
            body["parameters"] = parameters
        return self.add_cloud_record("aws/keys", body)

    def change_cloud_key(self, key_id: str, alias: str | None = None, **parameters: Any) -> dict[str, Any]:
        """Changes a cloud key's alias or `aws_param` members; the next sync brings the change."""
        body: dict[str, Any] = {**({"alias": alias} if alias is not None else {}), **({"parameters": parameters} if parameters else {})}
        return self.change_cloud_record("aws/keys", key_id, body)

    def remove_cloud_key(self, key_id: str) -> None:
        """Takes a key out of the cloud; the next sync of its region marks CM's record `gone`."""
        self.remove_cloud_record("aws/keys", key_id)

    def keys(self, domain: str = "root", **filters: Any) -> list[dict[str, Any]]:
        """The AWS keys syncs brought into the domain (`/api/v1/cckm/aws/keys`), every page; filters
        as CM's (`alias`, `keyid`, `region`, `kms`, `gone`, ...), booleans as `true`/`false`."""
        return self.records("aws/keys", domain, **filters)

    def add_cloud_record(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        """Puts a record into the fake cloud's `collection` (`aws/keys`, `azure/keys`,
        `azure/secrets`, `azure/certificates`, `google/keys`, `oci/keys`): `body` names its container
        (`vault`, `key_ring`; `region` for AWS), its `name` (`alias` for AWS) and `parameters`. An
        Azure name the vault has gets a new version. Returns the record, its cloud id as `id`
        (`KeyId` for AWS)."""
        return self._object("POST", f"/__admin/cloud/{collection}", body)

    def change_cloud_record(self, collection: str, record_id: str, change: dict[str, Any]) -> dict[str, Any]:
        """Changes a cloud record's `parameters` (and an AWS key's `alias`)."""
        return self._object("PATCH", f"/__admin/cloud/{collection}/{record_id}", change)

    def remove_cloud_record(self, collection: str, record_id: str) -> None:
        """Takes a record out of the cloud (an Azure key with every version)."""
        self._call("DELETE", f"/__admin/cloud/{collection}/{record_id}")

    def records(self, collection: str, domain: str = "root", **filters: Any) -> list[dict[str, Any]]:
        """What syncs brought into the domain's `collection` (`/api/v1/cckm/<collection>`), every
        page; filters as CM's (`key_name`, `version=-1`, `vault_name`, ...)."""
        query = {"limit": "-1", **{k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in filters.items()}}
        answer = self._api("GET", f"/api/v1/cckm/{collection}?" + urllib.parse.urlencode(query), domain=domain)
        return [item for item in answer.get("resources", []) if isinstance(item, dict)]

    # ------------------------------------------------------------------ stubs

    def stub(self, mapping: Mapping[str, Any]) -> Stub:
        """Adds a stub in WireMock's mapping format (`request`, `response`, `priority`, ...) for any
        endpoint, modelled or not; the handle removes it, or use it in a `with` block. A reset
        drops it too."""
        return Stub(self, self._object("POST", "/__admin/mappings", dict(mapping)))

    def stubs(self) -> list[dict[str, Any]]:
        """Every stub, newest first, as WireMock lists them."""
        return [item for item in self._object("GET", "/__admin/mappings").get("mappings", []) if isinstance(item, dict)]

    # ------------------------------------------------------------------ faults and history

    def fault(self, **rule: Any) -> Fault:
        """Adds a fault rule (`path`, `method`, `family`, `status`, `code`, `message`, `latencyMs`,
        `drop`, `probability`, `times`); the handle removes it, or use it in a `with` block."""
        key = {"latency_ms": "latencyMs"}
        return Fault(self, self._object("POST", "/__admin/faults", {key.get(k, k): v for k, v in rule.items()}))

    def events(self, job: str | None = None, since: str | None = None) -> list[dict[str, Any]]:
        """Every state change (of one job, from a time), oldest first, every page fetched."""
        events: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            query = {k: v for k, v in (("job", job), ("since", since), ("after", after)) if v}
            page = self._object("GET", "/__admin/events?" + urllib.parse.urlencode(query))
            events += [event for event in page.get("events", []) if isinstance(event, dict)]
            after = page.get("next")
            if not after:
                return events

    def requests(self, **matcher: Any) -> list[dict[str, Any]]:
        """The journaled requests a matcher describes (the keywords of `verify`), oldest first."""
        return self._list("POST", "/__admin/requests/find", _matcher(matcher), "requests")

    def verify(self, count: int | None = None, *, at_least: int | None = None, **matcher: Any) -> list[dict[str, Any]]:
        """Asserts what the client sent: `count` requests (default: at least one) match `method`,
        `path` (a `*` glob), `query` and `headers` (name to value, or `{"present": bool}`), `body`
        (a dict is compared as JSON, extra members allowed; a str must be contained), `status` and
        `domain`. Returns the matching requests; raises `VerificationError` with the near misses."""
        wanted = _matcher(matcher)
        found = self._list("POST", "/__admin/requests/find", wanted, "requests")
        minimum = at_least if at_least is not None else (1 if count is None else None)
        if (count is not None and len(found) != count) or (minimum is not None and len(found) < minimum):
            misses = self._list("POST", "/__admin/requests/near-misses", wanted, "nearMisses")
            raise VerificationError(str(count) if count is not None else f"at least {minimum}", len(found), wanted, misses)
        return found


def _answer(answer: Reply, method: str, path: str) -> Any:
    """An answer's parsed JSON (None for an empty body); `MockError` with CM's envelope for a 4xx
    or 5xx."""
    if answer.status >= 400:
        try:
            envelope = json.loads(answer.content)
        except ValueError:
            envelope = {"message": answer.text}
        raise MockError(answer.status, envelope if isinstance(envelope, dict) else {"message": str(envelope)}, method, path)
    return json.loads(answer.content) if answer.content else None


def _matcher(keywords: Mapping[str, Any]) -> dict[str, Any]:
    """The server's matcher from `verify`'s keywords: a body dict becomes JSON equality with extra
    members allowed, a body str a `contains`; anything else goes as it is."""
    matcher = dict(keywords)
    body = matcher.get("body")
    if isinstance(body, Mapping) and not ({"equalToJson", "contains", "members"} & set(body)):
        matcher["body"] = {"equalToJson": dict(body), "ignoreExtraMembers": True}
    elif isinstance(body, str):
        matcher["body"] = {"contains": body}
    return matcher


__all__: Sequence[str] = ["MockServer", "Fault", "find_binary"]
