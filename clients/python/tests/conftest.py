"""The kit's own tests run against the real binary: `$CCKM_MOCK_BIN` (scripts/test sets it to the
build it just made), else what `find_binary` finds."""

pytest_plugins = ["pytester"]
