import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ASEM = SHARED / "data" / "asem"

# Property tests must not depend on how fast the machine is: a loaded CI runner (other jobs, two
# shared cores) made hypothesis's timing checks fail a clean-clone run. No deadline, and the
# too-slow health check is off; the number of examples and every assertion stay as written.
# Tests that set ``@settings(...)`` themselves inherit these values for what they do not set.
settings.register_profile("maturasi", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", parent=settings.get_profile("maturasi"), max_examples=10)
settings.load_profile(os.environ.get("MATURASI_HYPOTHESIS_PROFILE", "maturasi"))


# Under CI (``CI=true``) the reference data beside the project must be there: a test that needs
# ``../shared`` fails instead of skipping, so a green CI never hides an unchecked reference.
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def need(path: Path) -> Path:
    """Return ``path``; skip the test when it is absent, or fail under ``CI=true``."""
    if not path.exists():
        msg = f"reference data not available: {path}"
        if IN_CI:
            pytest.fail(msg + " (CI=true: tests that need ../shared must run)")
        pytest.skip(msg)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under ``CI=true`` a skip that names the shared reference folder is reported as a failure."""
    outcome = yield
    rep = outcome.get_result()
    if IN_CI and rep.skipped and call.excinfo is not None:
        reason = str(call.excinfo.value)
        if str(SHARED) in reason or "../shared" in reason or "reference data not available" in reason:
            rep.outcome = "failed"
            rep.longrepr = f"CI=true but a test needing ../shared was skipped: {reason}"


@pytest.fixture(scope="session")
def asem_fw():
    from analysis import load_framework

    return load_framework(need(ASEM / "ASEM_iMeta.csv"))


@pytest.fixture(scope="session")
def asem_data():
    return need(ASEM / "ASEM_iData.csv")
