import mlflow
from mlflow import MlflowClient


def _make_runs(experiment_id, count=7):
    ids = []
    for i in range(count):
        with mlflow.start_run(run_name=f"run-{i}") as run:
            mlflow.log_param("idx", i)
            mlflow.log_metric("score", float(i))
            mlflow.set_tag("group", "even" if i % 2 == 0 else "odd")
            ids.append(run.info.run_id)
    return ids


def test_search_runs_filter_and_order(client, experiment_id):
    ids = _make_runs(experiment_id)

    found = client.search_runs(
        [experiment_id],
        filter_string="metrics.score > 2 AND tags.group = 'even'",
        order_by=["metrics.score DESC"],
    )
    assert [r.info.run_id for r in found] == [ids[6], ids[4]]

    by_param = client.search_runs([experiment_id], filter_string="params.idx = '3'")
    assert [r.info.run_id for r in by_param] == [ids[3]]

    by_name = client.search_runs([experiment_id], filter_string="attributes.run_name = 'run-5'")
    assert [r.info.run_id for r in by_name] == [ids[5]]

    ordered = client.search_runs([experiment_id], order_by=["metrics.score ASC"])
    assert [r.info.run_id for r in ordered] == ids

    # Without order_by, the newest run comes first.
    default = client.search_runs([experiment_id])
    assert [r.info.run_id for r in default] == list(reversed(ids))


def test_search_runs_pages_with_tokens(client, experiment_id):
    ids = _make_runs(experiment_id)
    seen = []
    sizes = []
    token = None
    while True:
        page = MlflowClient().search_runs(
            [experiment_id], order_by=["metrics.score ASC"], max_results=3, page_token=token
        )
        sizes.append(len(page))
        seen.extend(r.info.run_id for r in page)
        token = page.token
        if not token:
            break
    assert sizes == [3, 3, 1]
    assert seen == ids


def test_fluent_search_runs_returns_a_dataframe(experiment_id):
    ids = _make_runs(experiment_id)
    frame = mlflow.search_runs(
        experiment_ids=[experiment_id],
        filter_string="tags.group = 'odd'",
        order_by=["metrics.score DESC"],
    )
    assert list(frame["run_id"]) == [ids[5], ids[3], ids[1]]
    for column in [
        "run_id",
        "experiment_id",
        "status",
        "artifact_uri",
        "start_time",
        "end_time",
        "metrics.score",
        "params.idx",
        "tags.group",
        "tags.mlflow.runName",
    ]:
        assert column in frame.columns, column
    assert list(frame["metrics.score"]) == [5.0, 3.0, 1.0]
    assert list(frame["params.idx"]) == ["5", "3", "1"]
    assert set(frame["status"]) == {"FINISHED"}
    assert set(frame["experiment_id"]) == {experiment_id}

    as_list = mlflow.search_runs(
        experiment_ids=[experiment_id], output_format="list", max_results=2, order_by=["metrics.score ASC"]
    )
    assert [r.info.run_id for r in as_list] == ids[:2]
