"""The MLflow side of tests/mlflow_server.rs (and of the REST benchmark).

    python mlflow_server.py log URI OUT.json [--runs N --steps S]
        logs runs to the tracking server at URI with the real MLflow client, then writes
        what the client reads back (search_runs, get_metric_history, the model registry,
        logged models) to OUT.json
    python mlflow_server.py read URI OUT.json
        only the reading, timed (the benchmark's peer)

NaN and ±inf are written as the strings "NaN", "Infinity" and "-Infinity".
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import Metric, Param


def _num(v: float):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def log(client: MlflowClient, runs: int, steps: int) -> None:
    """Two experiments of a sweep, with a failed run, a nested run, a deleted run, NaN/inf,
    a registered model with aliases and an MLflow 3 logged model."""
    experiments = [client.create_experiment(name) for name in ("sweep-a", "sweep-b")]
    now = int(time.time() * 1000)
    made = []
    for i in range(runs):
        exp = experiments[i % 2]
        run = client.create_run(exp, run_name=f"run-{i:03d}", tags={"model_size": ["1b", "7b"][i % 2]})
        rid = run.info.run_id
        lr = 10 ** -(2 + i % 3)
        metrics = []
        for s in range(steps):
            loss = 2.0 / (1 + lr * 100 * s) + 0.001 * i
            if i == 1 and s == steps // 2:
                loss = float("nan")
            metrics.append(Metric("train/loss", loss, now + 1000 * s, s))
            if s % 5 == 0:
                metrics.append(Metric("val/acc", min(1.0, 0.1 + 0.02 * s), now + 1000 * s + 1, s))
        if i == 2:
            metrics.append(Metric("grad_norm", float("inf"), now, 0))
        params = [Param("lr", str(lr)), Param("batch_size", str(32 * (1 + i % 2)))]
        # log_batch takes at most 1000 metrics a call, as the server does.
        for start in range(0, len(metrics), 1000):
            client.log_batch(rid, metrics=metrics[start : start + 1000], params=params if start == 0 else [])
        client.set_terminated(rid, status="FAILED" if i == 3 else "FINISHED")
        made.append((exp, rid))
    parent_exp, parent = made[0]
    child = client.create_run(parent_exp, run_name="child", tags={"mlflow.parentRunId": parent})
    client.log_metric(child.info.run_id, "train/loss", 0.5, step=0)
    client.set_terminated(child.info.run_id)
    gone = client.create_run(experiments[0], run_name="deleted")
    client.log_metric(gone.info.run_id, "train/loss", 9.0, step=0)
    client.delete_run(gone.info.run_id)

    client.create_registered_model("net")
    for _, rid in made[:2]:
        client.create_model_version("net", f"runs:/{rid}/model", run_id=rid)
    client.set_registered_model_alias("net", "production", "2")
    client.set_registered_model_alias("net", "champion", "2")
    client.set_registered_model_alias("net", "baseline", "1")
    client.create_logged_model(experiments[0], name="net-ckpt", source_run_id=made[0][1])


def read(client: MlflowClient) -> dict:
    experiments = {e.experiment_id: e.name for e in client.search_experiments()}
    runs = []
    token = None
    while True:
        page = client.search_runs(list(experiments), max_results=1000, page_token=token)
        for r in page:
            history = {}
            for key in r.data.metrics:
                points = client.get_metric_history(r.info.run_id, key)
                history[key] = [[m.step, m.timestamp, _num(m.value)] for m in points]
            runs.append(
                {
                    "run_id": r.info.run_id,
                    "name": r.info.run_name,
                    "experiment": experiments[r.info.experiment_id],
                    "status": r.info.status,
                    "start_time": r.info.start_time,
                    "end_time": r.info.end_time,
                    "params": r.data.params,
                    "tags": r.data.tags,
                    "history": history,
                }
            )
        token = page.token
        if not token:
            break
    versions = []
    for v in client.search_model_versions():
        registered = client.get_registered_model(v.name)
        aliases = sorted(a for a, n in registered.aliases.items() if str(n) == str(v.version))
        versions.append({"name": v.name, "version": int(v.version), "run_id": v.run_id, "aliases": aliases})
    logged = [
        {"model_id": m.model_id, "name": m.name, "source_run_id": m.source_run_id, "status": str(m.status)}
        for m in client.search_logged_models(list(experiments))
    ]
    return {"experiments": experiments, "runs": runs, "model_versions": versions, "logged_models": logged}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["log", "read"])
    ap.add_argument("uri")
    ap.add_argument("out")
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--steps", type=int, default=40)
    args = ap.parse_args()
    client = MlflowClient(tracking_uri=args.uri)
    if args.command == "log":
        log(client, args.runs, args.steps)
    started = time.perf_counter()
    out = read(client)
    out["read_seconds"] = time.perf_counter() - started
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print(f"{len(out['runs'])} runs read back in {out['read_seconds']:.2f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
