"""Test kit for cckm-mock: start the mock (or attach to one), steer its clock, inject faults and
verify what your client sent.

    from cckm_mock import MockServer

    with MockServer() as server:
        session = server.session()
        ...
"""

from cckm_mock.errors import BinaryNotFound, MockError, ServerExited, VerificationError, WaitTimeout
from cckm_mock.server import Fault, MockServer, Stub

__all__ = ["BinaryNotFound", "Fault", "MockError", "MockServer", "ServerExited", "Stub", "VerificationError", "WaitTimeout"]
__version__ = "0.1.0"
