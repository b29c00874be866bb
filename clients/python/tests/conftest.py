"""The kit's own tests run against the real binary: `$CCKM_MOCK_BIN` (scripts/test sets it to the
build it just made), else what `find_binary` finds."""

pytest_plugins = ["pytester"]

# pytester's in-process runs put sys.modules back as it was after each run; requests 2.34 imports
# http.cookiejar lazily, so a module first imported inside one run was a new copy in the next, and
# every request failed "You can only merge into CookieJar". Imported here, before any run.
import http.cookiejar  # noqa: E402,F401

import requests  # noqa: E402,F401
import requests.cookies  # noqa: E402,F401
import requests.sessions  # noqa: E402,F401
