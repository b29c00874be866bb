"""The exceptions of the kit. Every error answer of the control API raises `MockError`, which
carries CM's envelope (`code`, `codeDesc`, `message`, `requestID`)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence


class MockError(Exception):
    """An error answer from the mock: its status and CM's error envelope."""

    def __init__(self, status: int, envelope: Mapping[str, Any], method: str = "", path: str = "") -> None:
        self.status = status
        self.envelope = dict(envelope)
        self.code = self.envelope.get("code")
        self.message = str(self.envelope.get("message", ""))
        self.request_id = self.envelope.get("requestID")
        where = f"{method} {path}: " if method or path else ""
        what = " ".join(part for part in (str(status), str(self.envelope.get("codeDesc", ""))) if part)
        super().__init__(f"{where}{what}: {self.message}")


class BinaryNotFound(MockError):
    """No cckm-mock executable in any of the places looked at; `fix` is the line that fixes it."""

    fix = "export CCKM_MOCK_BIN=/path/to/cckm-mock/.build/release/cckm-mock (after swift build -c release in that clone)"

    def __init__(self, looked_at: Sequence[str]) -> None:
        self.looked_at = list(looked_at)
        Exception.__init__(self, "cckm-mock executable not found; looked at: " + "; ".join(self.looked_at) + ". Fix: " + self.fix)
        self.status, self.envelope, self.code, self.message, self.request_id = 0, {}, None, str(self), None


class ServerExited(MockError):
    """The server ended before it listened; `stderr` holds its last lines."""

    def __init__(self, returncode: int | None, stderr: str) -> None:
        self.returncode = returncode
        self.stderr = stderr
        Exception.__init__(self, f"cckm-mock exited with status {returncode} before listening:\n{stderr}")
        self.status, self.envelope, self.code, self.message, self.request_id = 0, {}, None, str(self), None


class WaitTimeout(MockError):
    """A job did not reach the status waited for; `job` is its last state."""

    def __init__(self, envelope: Mapping[str, Any], job: Mapping[str, Any] | None, method: str = "", path: str = "") -> None:
        super().__init__(408, envelope, method, path)
        self.job = dict(job) if job else None
        if self.job is not None:
            self.args = (f"{self.args[0]}\nlast state: {self.job}",)


class VerificationError(AssertionError):
    """`verify` found another number of requests than expected; `near_misses` says what came instead."""

    def __init__(self, expected: str, found: int, matcher: Mapping[str, Any], near_misses: Sequence[Mapping[str, Any]]) -> None:
        self.expected = expected
        self.found = found
        self.matcher = dict(matcher)
        self.near_misses = list(near_misses)
        lines = [f"expected {expected} request(s) matching {self.matcher}, found {found}"]
        if near_misses:
            lines.append("closest requests that arrived:")
            for miss in near_misses:
                request = miss.get("request", {})
                lines.append(f"  #{request.get('sequence')} {request.get('method')} {request.get('path')} -> {request.get('status')}: "
                             + "; ".join(miss.get("differences", [])))
        else:
            lines.append("no other request arrived")
        super().__init__("\n".join(lines))
