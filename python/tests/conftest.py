"""Shared fixtures: the repository's MLflow fixture and small run tables."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def mlruns() -> Path:
    """The MLflow file store written by the real mlflow package (tests/fixtures/mlflow)."""
    return REPO / "tests" / "fixtures" / "mlflow" / "mlruns"


@pytest.fixture
def long_rows() -> dict[str, list]:
    """A long metric table: two runs, two steps of one metric."""
    return {
        "run_id": ["r1", "r1", "r2", "r2"],
        "key": ["loss", "loss", "loss", "loss"],
        "step": [0, 1, 0, 1],
        "timestamp": [1000, 2000, 1000, 2000],
        "value": [1.0, 0.5, 2.0, float("nan")],
    }
