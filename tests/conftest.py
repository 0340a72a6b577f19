from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ASEM = SHARED / "data" / "asem"


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
