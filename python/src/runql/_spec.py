"""Chart specs (runql's ``ChartSpec``, as JSON) built and checked on the Python side."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

from ._errors import RunQLError


@cache
def wire_schema() -> dict[str, Any]:
    """runql's wire types as one JSON Schema (``wire.schema.json``, generated from the Rust
    types): ``ChartSpec``, ``LoadReport``, ``Pick``, ``ErrorKind`` and what they use, under
    ``$defs``.

    Examples
    --------
    >>> sorted(wire_schema()["$defs"])[:3]
    ['Aggregate', 'Band', 'ChartKind']
    """
    return json.loads(resources.files("runql").joinpath("wire.schema.json").read_text("utf-8"))


def _consts(name: str) -> frozenset[str]:
    return frozenset(v["const"] for v in wire_schema()["$defs"][name]["oneOf"])


#: The chart kinds runql draws (``ChartKind`` of the wire types).
KINDS = _consts("ChartKind")


@cache
def _spec_validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator({"$ref": "#/$defs/ChartSpec", "$defs": wire_schema()["$defs"]})


Smoothing = Literal["tb_ema", "twema", "gaussian", "running_avg"]
XAxis = Literal["step", "time", "relative"]


def check_chart(spec: Any) -> dict[str, Any]:
    """Checks the shape of a chart spec: ``{}`` (no chart) or a dict with a known ``kind``
    and ``data`` holding ``sql`` or ``preset``. Whether its columns exist is for the browser
    to say (in ``Widget.error``).

    Examples
    --------
    >>> check_chart({"kind": "line", "data": {"preset": "curves", "metric": "val/loss"}})["kind"]
    'line'
    """
    if not isinstance(spec, Mapping):
        raise RunQLError("spec", f"a chart spec must be a dict, not {type(spec).__name__}")
    spec = dict(spec)
    if not spec:
        return spec
    kind = spec.get("kind")
    if kind not in KINDS:
        raise RunQLError("spec", f"chart kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    data = spec.get("data")
    if not isinstance(data, Mapping) or not ("sql" in data or "preset" in data):
        raise RunQLError("spec", 'a chart spec needs "data": {"sql": "..."} or {"preset": "...", ...}')
    from jsonschema.exceptions import best_match

    error = best_match(_spec_validator().iter_errors(spec))
    # "not valid under any of the given schemas" says little: go down to the alternative's
    # own complaint (a missing `metric`, an unknown field).
    message = None
    while error is not None and error.context:
        choices = [e.validator_value for e in error.context if e.validator == "const"]
        if len(choices) == len(error.context):
            # One of a list of names (a kind, a scale, a theme): say which ones.
            message = f"{error.instance!r} is not one of {', '.join(map(repr, choices))}"
            break
        error = best_match(error.context)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the spec"
        raise RunQLError("spec", f"chart spec, at {where}: {message or error.message}")
    return spec


def curves_spec(
    metric: str,
    *,
    smoothing: float | None = None,
    smoothing_kind: Smoothing = "tb_ema",
    group_by: str | None = None,
    runs: str | None = None,
    x: XAxis = "step",
    log_y: bool = False,
    ignore_outliers: bool = False,
    title: str | None = None,
) -> dict[str, Any]:
    """The spec of a line chart of one metric, one curve per run (or one mean line and
    band per ``group_by`` value).

    ``smoothing`` is the parameter of ``smoothing_kind``: the weight in [0, 1) for
    ``tb_ema``/``twema``, sigma for ``gaussian``, the window for ``running_avg``.
    ``runs`` is a SQL condition over ``runs_wide`` aliased ``w``, e.g.
    ``"w.\\"params.optimizer\\" = 'adam'"``.

    Examples
    --------
    >>> spec = curves_spec("val/loss", smoothing=0.6, group_by="params.lr")
    >>> spec["data"]
    {'preset': 'curves', 'metric': 'val/loss', 'x': 'step', 'group_by': 'params.lr'}
    >>> spec["options"]["smoothing"]
    {'kind': 'tb_ema', 'param': 0.6}
    """
    if not isinstance(metric, str) or not metric:
        raise RunQLError("spec", "plot() needs a metric key, e.g. metric='val/loss'")
    if x not in ("step", "time", "relative"):
        raise RunQLError("spec", f"x must be 'step', 'time' or 'relative', not {x!r}")
    data: dict[str, Any] = {"preset": "curves", "metric": metric, "x": x}
    if group_by:
        data["group_by"] = group_by
    if runs:
        data["runs"] = runs
    options: dict[str, Any] = {}
    if smoothing is not None:
        options["smoothing"] = {"kind": smoothing_kind, "param": _smoothing(smoothing_kind, smoothing)}
    if log_y:
        options["y_scale"] = "log"
    if ignore_outliers:
        options["ignore_outliers"] = True
    spec: dict[str, Any] = {"kind": "line", "data": data}
    if title:
        spec["title"] = title
    if options:
        spec["options"] = options
    return spec


def _smoothing(kind: str, value: float) -> float:
    if kind in ("tb_ema", "twema"):
        if not 0 <= value < 1:
            raise RunQLError("spec", f"{kind} smoothing is a weight in [0, 1), not {value!r}")
    elif kind in ("gaussian", "running_avg"):
        if not value > 0:
            raise RunQLError("spec", f"{kind} smoothing needs a positive parameter, not {value!r}")
    else:
        raise RunQLError(
            "spec", f"smoothing_kind {kind!r} is not one of tb_ema, twema, gaussian, running_avg"
        )
    return float(value)
