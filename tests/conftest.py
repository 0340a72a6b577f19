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


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference data not available: {path}")
    return path


@pytest.fixture(scope="session")
def asem_fw():
    from analysis import load_framework

    return load_framework(need(ASEM / "ASEM_iMeta.csv"))


@pytest.fixture(scope="session")
def asem_data():
    return need(ASEM / "ASEM_iData.csv")
