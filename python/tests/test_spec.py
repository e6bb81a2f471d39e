"""Chart specs built and checked on the Python side."""

from __future__ import annotations

import json

import pytest

from runql import RunQLError, curves_spec
from runql._spec import check_chart

from .conftest import REPO


@pytest.mark.parametrize("path", sorted((REPO / "examples" / "charts").glob("*.json")), ids=lambda p: p.name)
def test_every_example_chart_is_accepted_unchanged(path) -> None:
    spec = json.loads(path.read_text())
    assert check_chart(spec) == spec


def test_curves_spec_options() -> None:
    spec = curves_spec(
        "train/loss",
        smoothing=2.5,
        smoothing_kind="gaussian",
        runs="w.status = 'FINISHED'",
        x="relative",
        ignore_outliers=True,
        title="loss",
    )
    assert spec == {
        "kind": "line",
        "title": "loss",
        "data": {
            "preset": "curves",
            "metric": "train/loss",
            "x": "relative",
            "runs": "w.status = 'FINISHED'",
        },
        "options": {"smoothing": {"kind": "gaussian", "param": 2.5}, "ignore_outliers": True},
    }
    assert "options" not in curves_spec("loss")


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("tb_ema", 1.0, r"weight in \[0, 1\)"),
        ("twema", -0.1, r"weight in \[0, 1\)"),
        ("running_avg", 0, "positive"),
        ("median", 3, "not one of"),
    ],
)
def test_bad_smoothing(kind: str, value: float, message: str) -> None:
    with pytest.raises(RunQLError, match=message) as e:
        curves_spec("loss", smoothing=value, smoothing_kind=kind)  # type: ignore[arg-type]
    assert e.value.kind == "spec"


def test_chart_must_be_a_dict() -> None:
    with pytest.raises(RunQLError, match="must be a dict, not list"):
        check_chart([])


@pytest.mark.parametrize(
    ("spec", "where", "message"),
    [
        (
            {"kind": "line", "data": {"preset": "curves", "metric": "loss"}, "options": {"smoothin": 1}},
            "options",
            "smoothin",
        ),
        (
            {"kind": "line", "data": {"sql": "SELECT 1"}, "options": {"y_scale": "logarithmic"}},
            "options/y_scale",
            "logarithmic",
        ),
        ({"kind": "bar", "data": {"preset": "ranking"}}, "data", "metric"),
    ],
)
def test_specs_the_rust_types_refuse_are_refused_here(spec: dict, where: str, message: str) -> None:
    # The same JSON Schema the TypeScript types come from (wire.schema.json, generated from
    # the Rust types), so a mistake is caught in the notebook, naming the field.
    with pytest.raises(RunQLError, match=message) as e:
        check_chart(spec)
    assert e.value.kind == "spec"
    assert f"at {where}" in str(e.value)


def test_the_wire_schema_names_every_chart_kind_and_error_kind() -> None:
    from runql._spec import KINDS, wire_schema

    assert KINDS == {"line", "scatter", "bar", "parallel", "histogram", "box", "heatmap", "importance"}
    kinds = {k["const"] for k in wire_schema()["$defs"]["ErrorKind"]["oneOf"]}
    assert {"sql", "read_only", "limit", "cancelled", "chart"} <= kinds
