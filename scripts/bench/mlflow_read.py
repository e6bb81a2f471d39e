#!/usr/bin/env python3
"""Benchmark peer: read a whole MLflow ``mlruns/`` file store with the real mlflow package.

Reads everything the way a user of the public client API would:

1. ``search_experiments(view_type=ViewType.ALL)``
2. ``search_runs(<all experiment ids>, run_view_type=ViewType.ALL)``, paged with
   ``max_results=50000`` / ``page_token``
3. ``get_metric_history(run_id, key)`` for every run and every key in
   ``run.data.metrics``

and prints ONE JSON line on stdout (mlflow's own logs/warnings go to stderr):

    {"tool": "mlflow", "version": "3.17.2", "runs": 12, "series": 40,
     "points": 200, "seconds": 0.05, "points_per_s": 4000.0, ...}

``seconds`` is wall time (time.perf_counter) from step 1 to the end of step 3;
importing mlflow is not timed. ``series`` = (run, metric key) pairs read,
``points`` = metric-history entries returned (duplicates included, as mlflow
returns them).

``--max-runs N`` reads the metric history of only the first N runs (in
search_runs order); steps 1 and 2 still cover the whole store, since
search_runs is how a user finds the runs at all. The output then also holds
``runs_total``, ``series_total`` (known from run.data.metrics), ``fraction`` =
runs read / runs_total, and ``est_*`` values extrapolated linearly per run:
``est_seconds = seconds_search + seconds_history / fraction``.

Usage (venv from scripts/bench/requirements.txt, no network needed):

    /tmp/mlflow-venv/bin/python scripts/bench/mlflow_read.py tests/fixtures/mlflow/mlruns
    /tmp/mlflow-venv/bin/python scripts/bench/mlflow_read.py bench-data/mlruns --max-runs 20
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description="Read an mlruns/ store with mlflow and time it.")
    ap.add_argument("mlruns", type=Path, help="path to an mlruns/ folder (MLflow file store)")
    ap.add_argument(
        "--max-runs",
        type=int,
        default=None,
        metavar="N",
        help="read metric histories of only the first N runs and extrapolate",
    )
    args = ap.parse_args()
    root = args.mlruns.resolve()
    if not root.is_dir():
        ap.error(f"not a directory: {root}")
    if args.max_runs is not None and args.max_runs < 1:
        ap.error("--max-runs must be >= 1")

    # MLflow >= 3.13 refuses to open a file store without this opt-in.
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ["DO_NOT_TRACK"] = "true"

    import mlflow
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient

    uri = "file:" + str(root)
    # Global URI as well as the client's: parts of mlflow build their own
    # MlflowClient() from the global URI (whose default is sqlite:///mlflow.db).
    mlflow.set_tracking_uri(uri)

    t0 = time.perf_counter()
    client = MlflowClient(tracking_uri=uri)
    experiments = client.search_experiments(view_type=ViewType.ALL)
    exp_ids = [e.experiment_id for e in experiments]

    runs = []
    token = None
    while exp_ids:
        page = client.search_runs(
            exp_ids, run_view_type=ViewType.ALL, max_results=50000, page_token=token
        )
        runs.extend(page)
        token = page.token
        if not token:
            break
    t_search = time.perf_counter()

    selected = runs if args.max_runs is None else runs[: args.max_runs]
    series = 0
    points = 0
    for run in selected:
        run_id = run.info.run_id
        for key in run.data.metrics:
            points += len(client.get_metric_history(run_id, key))
            series += 1
    t_end = time.perf_counter()

    seconds = t_end - t0
    out = {
        "tool": "mlflow",
        "version": mlflow.__version__,
        "runs": len(selected),
        "series": series,
        "points": points,
        "seconds": round(seconds, 6),
        "points_per_s": round(points / seconds, 1) if seconds > 0 else None,
        "experiments": len(experiments),
        "seconds_search": round(t_search - t0, 6),
        "seconds_history": round(t_end - t_search, 6),
    }
    if args.max_runs is not None:
        fraction = len(selected) / len(runs) if runs else 1.0
        est_seconds = (t_search - t0) + (t_end - t_search) / fraction
        est_points = points / fraction
        out.update(
            {
                "runs_total": len(runs),
                "series_total": sum(len(r.data.metrics) for r in runs),
                "fraction": round(fraction, 6),
                "est_points": round(est_points),
                "est_seconds": round(est_seconds, 3),
                "est_points_per_s": round(est_points / est_seconds, 1) if est_seconds > 0 else None,
            }
        )
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
