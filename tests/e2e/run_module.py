"""Runs one e2e module and tells ctest what happened: exit 0 when its tests passed,
77 (ctest's SKIP_RETURN_CODE) when every one of them was skipped, 1 on a failure.
Skips are appended to $ECHO_SKIP_LOG, whole skipped classes marked, so the summary
after the run names every test that did not run instead of counting it as passed."""
import collections
import os
import sys
import unittest

module = sys.argv[1]


def leaves(tests):
    """The test cases inside `tests`, however deeply its suites nest."""
    for t in tests:
        yield from leaves(t) if isinstance(t, unittest.TestSuite) else (t,)


suite = unittest.defaultTestLoader.loadTestsFromName(module)
# Counted before the run: a suite drops each test it has run.
ran = collections.Counter(t.id().rsplit(".", 1)[0] for t in leaves(suite))
result = unittest.TextTestRunner(verbosity=2).run(suite)

log = os.environ.get("ECHO_SKIP_LOG")
if log and result.skipped:
    engine = os.environ.get("ECHO_ENGINE", "-")
    skipped = collections.Counter(t.id().rsplit(".", 1)[0] for t, _ in result.skipped)
    with open(log, "a", encoding="utf-8") as f:
        for test, reason in result.skipped:
            f.write(f"[{engine}] {test.id()}: {reason}\n")
        for cls, n in skipped.items():
            if n == ran[cls]:
                f.write(f"[{engine}] WHOLE CLASS {cls} ({n} tests) skipped\n")

if not result.wasSuccessful():
    sys.exit(1)
if result.testsRun and len(result.skipped) == result.testsRun:
    sys.exit(77)
