"""Seed an MLflow SQLite tracking database with MLflow's own store code (no HTTP).

Used by bench/tracking/run.ts, before `mlflow server` is started on the database. Seeding the same
data through MLflow's REST API takes tens of minutes on a small machine (~100 ms per run, ~1,000
metric points/s), so:

* the first REFERENCE_RUNS runs (search) or the first batch (history) go through the public
  `SqlAlchemyStore` methods (`create_run`, `log_batch`), exactly what the server's handlers call;
* the rest are written with the same store's ORM tables (`SqlRun`, `SqlTag`, `SqlParam`,
  `SqlMetric`, `SqlLatestMetric`) in large transactions, building the very rows `create_run` and
  `log_batch` build;
* a self-check then reads a reference run and a bulk-written run back through `store.get_run` /
  `store.get_metric_history` and fails if their shape differs.

The values follow the deterministic formulas of bench/tracking/dataset.ts, so the MLflow database
and the Ascent database (seeded through Ascent's REST API) hold the same data.

  python seed_mlflow.py search  <db_file> <artifact_root> <runs>
  python seed_mlflow.py history <db_file> <artifact_root> <points>

Prints one JSON line: {"experiment_id", "run_id"?, "runs"|"points", "seconds"}.
"""

import json
import logging
import sys
import time
import uuid

logging.disable(logging.WARNING)

import sqlalchemy  # noqa: E402
from mlflow.entities import Metric, Param, RunStatus, SourceType  # noqa: E402
from mlflow.entities.lifecycle_stage import LifecycleStage  # noqa: E402
from mlflow.store.tracking.dbmodels.models import (  # noqa: E402
    SqlLatestMetric,
    SqlMetric,
    SqlParam,
    SqlRun,
    SqlTag,
)
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore  # noqa: E402
from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME  # noqa: E402
from mlflow.utils.uri import append_to_uri_path  # noqa: E402

T0 = 1_700_000_000_000
PARAMS = 10
METRICS = 10
BATCH = 1000
REFERENCE_RUNS = 20
CHUNK_RUNS = 500
CHUNK_POINTS = 20_000
USER = "bench"


def metric_value(i: int, j: int) -> float:
    return ((i * 2654435761 + j * 40503) % 1000003) / 1000003


def param_value(i: int, j: int) -> str:
    return f"v{(i * 7 + j * 3) % 10}"


def history_value(s: int) -> float:
    return ((s * 2654435761) % 1000003) / 1000003


def _no_fsync(dbapi_connection, _record) -> None:
    # Seeding speed only: no fsync per commit in this process. The pragma is per connection and not
    # stored in the file; the server later opens the database with its own defaults.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def seed_search(store: SqlAlchemyStore, count: int) -> dict:
    exp_id = store.create_experiment("bench-search")
    experiment = store.get_experiment(exp_id)
    run_ids = []
    # Reference runs: the public store methods the REST handlers call.
    for i in range(min(REFERENCE_RUNS, count)):
        run = store.create_run(exp_id, USER, T0 + i * 1000, [], f"run-{i}")
        store.log_batch(
            run.info.run_id,
            metrics=[Metric(f"m{j}", metric_value(i, j), T0 + i * 1000, 0) for j in range(METRICS)],
            params=[Param(f"p{j}", param_value(i, j)) for j in range(PARAMS)],
            tags=[],
        )
        run_ids.append(run.info.run_id)
    # The rest: the same rows, many runs per transaction.
    for lo in range(REFERENCE_RUNS, count, CHUNK_RUNS):
        hi = min(count, lo + CHUNK_RUNS)
        params, metrics, latest = [], [], []
        with store.ManagedSessionMaker(read_only=False) as session:
            for i in range(lo, hi):
                run_id = uuid.uuid4().hex
                run = SqlRun(
                    name=f"run-{i}",
                    artifact_uri=append_to_uri_path(experiment.artifact_location, run_id, SqlAlchemyStore.ARTIFACTS_FOLDER_NAME),
                    run_uuid=run_id,
                    experiment_id=exp_id,
                    source_type=SourceType.to_string(SourceType.UNKNOWN),
                    source_name="",
                    entry_point_name="",
                    user_id=USER,
                    status=RunStatus.to_string(RunStatus.RUNNING),
                    start_time=T0 + i * 1000,
                    end_time=None,
                    deleted_time=None,
                    source_version="",
                    lifecycle_stage=LifecycleStage.ACTIVE,
                )
                run.tags = [SqlTag(key=MLFLOW_RUN_NAME, value=f"run-{i}")]
                session.add(run)
                run_ids.append(run_id)
                for j in range(PARAMS):
                    params.append({"run_uuid": run_id, "key": f"p{j}", "value": param_value(i, j)})
                for j in range(METRICS):
                    row = {"run_uuid": run_id, "key": f"m{j}", "value": metric_value(i, j), "timestamp": T0 + i * 1000, "step": 0, "is_nan": False}
                    metrics.append(row)
                    latest.append(dict(row))
            session.flush()
            session.execute(sqlalchemy.insert(SqlParam.__table__), params)
            session.execute(sqlalchemy.insert(SqlMetric.__table__), metrics)
            session.execute(sqlalchemy.insert(SqlLatestMetric.__table__), latest)
    if count > REFERENCE_RUNS:
        check_same_shape(store.get_run(run_ids[0]), store.get_run(run_ids[-1]))
    return {"experiment_id": exp_id, "runs": len(run_ids)}


def check_same_shape(ref, bulk) -> None:
    ri, bi = ref.info.to_proto(), bulk.info.to_proto()
    for field in ("experiment_id", "user_id", "status", "lifecycle_stage"):
        if getattr(ri, field) != getattr(bi, field):
            raise SystemExit(f"seed self-check failed: run info {field} {getattr(ri, field)!r} != {getattr(bi, field)!r}")
    if sorted(ref.data.params) != sorted(bulk.data.params):
        raise SystemExit("seed self-check failed: param keys differ")
    if sorted(ref.data.metrics) != sorted(bulk.data.metrics):
        raise SystemExit("seed self-check failed: metric keys differ")
    if sorted(ref.data.tags) != sorted(bulk.data.tags):
        raise SystemExit(f"seed self-check failed: tag keys differ {sorted(ref.data.tags)} vs {sorted(bulk.data.tags)}")


def seed_history(store: SqlAlchemyStore, count: int) -> dict:
    exp_id = store.create_experiment("bench-history")
    run = store.create_run(exp_id, USER, T0, [], "history")
    run_id = run.info.run_id
    first = min(BATCH, count)
    # First batch through the public method (creates the latest_metrics row the same way).
    store.log_batch(run_id, metrics=[Metric("loss", history_value(s), T0 + s, s) for s in range(first)], params=[], tags=[])
    for lo in range(first, count, CHUNK_POINTS):
        hi = min(count, lo + CHUNK_POINTS)
        rows = [{"run_uuid": run_id, "key": "loss", "value": history_value(s), "timestamp": T0 + s, "step": s, "is_nan": False} for s in range(lo, hi)]
        with store.ManagedSessionMaker(read_only=False) as session:
            session.execute(sqlalchemy.insert(SqlMetric.__table__), rows)
    if count > first:
        last = count - 1
        with store.ManagedSessionMaker(read_only=False) as session:
            session.execute(
                sqlalchemy.update(SqlLatestMetric.__table__)
                .where(SqlLatestMetric.run_uuid == run_id, SqlLatestMetric.key == "loss")
                .values(value=history_value(last), timestamp=T0 + last, step=last, is_nan=False)
            )
    latest = store.get_run(run_id).data.metrics.get("loss")
    if latest != history_value(count - 1):
        raise SystemExit(f"seed self-check failed: latest loss {latest} != {history_value(count - 1)}")
    return {"experiment_id": exp_id, "run_id": run_id, "points": count}


def main() -> None:
    mode, db_file, art, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", _no_fsync)
    store = SqlAlchemyStore(f"sqlite:///{db_file}", art)
    started = time.monotonic()
    if mode == "search":
        out = seed_search(store, count)
    elif mode == "history":
        out = seed_history(store, count)
    else:
        raise SystemExit(f"unknown mode {mode}")
    out["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
