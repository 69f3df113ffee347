import math
import time

import mlflow
import pytest
from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException


def test_run_logs_params_metrics_and_tags(client, experiment_id):
    with mlflow.start_run(run_name="compat-basic") as run:
        mlflow.log_param("learning_rate", 0.01)
        mlflow.log_params({"epochs": 5, "optimizer": "adam"})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.log_metrics({"accuracy": 0.91, "f1": 0.88}, step=4)
        mlflow.log_metric("diverged", float("nan"))
        mlflow.set_tag("owner", "compat")
        mlflow.set_tags({"framework": "none", "purpose": "test"})
        run_id = run.info.run_id

    fetched = client.get_run(run_id)
    assert fetched.info.run_id == run_id
    assert fetched.info.experiment_id == experiment_id
    assert fetched.info.run_name == "compat-basic"
    assert fetched.info.status == "FINISHED"
    assert fetched.info.end_time is not None and fetched.info.end_time >= fetched.info.start_time
    assert fetched.info.lifecycle_stage == "active"
    assert fetched.info.artifact_uri.startswith("mlflow-artifacts:")

    assert fetched.data.params == {"learning_rate": "0.01", "epochs": "5", "optimizer": "adam"}
    metrics = fetched.data.metrics
    assert metrics["loss"] == pytest.approx(0.2)  # the value at the latest step
    assert metrics["accuracy"] == pytest.approx(0.91)
    assert metrics["f1"] == pytest.approx(0.88)
    assert math.isnan(metrics["diverged"])
    tags = fetched.data.tags
    assert tags["owner"] == "compat"
    assert tags["framework"] == "none"
    assert tags["purpose"] == "test"
    assert tags["mlflow.runName"] == "compat-basic"


def test_metric_history_keeps_every_step(client, experiment_id):
    with mlflow.start_run() as run:
        for step in range(10):
            mlflow.log_metric("rmse", 10.0 - step, step=step)
    history = client.get_metric_history(run.info.run_id, "rmse")
    assert sorted((m.step, m.value) for m in history) == [(s, 10.0 - s) for s in range(10)]
    assert all(m.key == "rmse" and m.timestamp > 0 for m in history)


def test_nested_runs_record_their_parent(client, experiment_id):
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_param("depth", 1)
    fetched = client.get_run(child.info.run_id)
    assert fetched.data.tags["mlflow.parentRunId"] == parent.info.run_id
    children = client.search_runs(
        [experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert [r.info.run_id for r in children] == [child.info.run_id]


def test_log_batch_writes_metrics_params_and_tags(client, experiment_id):
    run = client.create_run(experiment_id)
    now = int(time.time() * 1000)
    metrics = [Metric("batch_loss", 1.0 / (i + 1), now + i, i) for i in range(50)]
    params = [Param(f"p{i}", str(i)) for i in range(20)]
    tags = [RunTag(f"t{i}", f"v{i}") for i in range(10)]
    client.log_batch(run.info.run_id, metrics=metrics, params=params, tags=tags)
    client.set_terminated(run.info.run_id)

    fetched = client.get_run(run.info.run_id)
    assert fetched.data.params == {f"p{i}": str(i) for i in range(20)}
    assert {k: v for k, v in fetched.data.tags.items() if k.startswith("t")} == {
        f"t{i}": f"v{i}" for i in range(10)
    }
    assert fetched.data.metrics["batch_loss"] == pytest.approx(1.0 / 50)
    history = client.get_metric_history(run.info.run_id, "batch_loss")
    assert len(history) == 50
    assert fetched.info.status == "FINISHED"


def test_relogging_a_param_with_another_value_is_invalid(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_param("alpha", "0.5")
        mlflow.log_param("alpha", "0.5")  # the same value again is allowed
        with pytest.raises(MlflowException) as info:
            mlflow.log_param("alpha", "0.7")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert client.get_run(run.info.run_id).data.params["alpha"] == "0.5"


def test_delete_and_restore_run(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.log_metric("m", 1.0)
    run_id = run.info.run_id

    client.delete_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"
    assert client.search_runs([experiment_id]) == []
    deleted = client.search_runs([experiment_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [run_id]

    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    assert [r.info.run_id for r in client.search_runs([experiment_id])] == [run_id]


def test_delete_tag_and_missing_run(client, experiment_id):
    with mlflow.start_run() as run:
        mlflow.set_tag("temporary", "yes")
    client.delete_tag(run.info.run_id, "temporary")
    assert "temporary" not in client.get_run(run.info.run_id).data.tags

    with pytest.raises(MlflowException) as info:
        client.get_run("0" * 32)
    assert info.value.error_code == "RESOURCE_DOES_NOT_EXIST"
