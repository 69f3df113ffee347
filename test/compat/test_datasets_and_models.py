import json

import mlflow
import mlflow.sklearn
import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression


def test_log_input_records_an_iris_dataset(client, experiment_id):
    frame = load_iris(as_frame=True).frame
    dataset = mlflow.data.from_pandas(
        frame, source="https://archive.ics.uci.edu/dataset/53/iris", name="iris", targets="target"
    )
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"split": "full"})

    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert len(inputs) == 1
    logged = inputs[0]
    assert logged.dataset.name == "iris"
    assert logged.dataset.digest == dataset.digest
    assert logged.dataset.source_type == dataset.source._get_source_type()
    assert json.loads(logged.dataset.source) == dataset.source.to_dict()
    schema = json.loads(logged.dataset.schema)
    names = [column["name"] for column in schema["mlflow_colspec"]]
    assert "sepal length (cm)" in names and "target" in names
    profile = json.loads(logged.dataset.profile)
    assert profile["num_rows"] == 150
    tags = {t.key: t.value for t in logged.tags}
    assert tags["mlflow.data.context"] == "training"
    assert tags["split"] == "full"

    found = client.search_runs([experiment_id], filter_string="datasets.name = 'iris'")
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_sklearn_log_model_and_load_it_back(client, experiment_id):
    features, target = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(features, target)
    expected = model.predict(features)

    with mlflow.start_run() as run:
        mlflow.log_param("max_iter", 500)
        info = mlflow.sklearn.log_model(model, name="iris-classifier", input_example=features.head(3))
        mlflow.log_metric("train_accuracy", float((expected == target).mean()))

    assert info.model_id.startswith("m-")
    assert info.model_uri == f"models:/{info.model_id}"
    assert info.run_id == run.info.run_id

    loaded = mlflow.sklearn.load_model(info.model_uri)
    np.testing.assert_array_equal(loaded.predict(features), expected)
    as_pyfunc = mlflow.pyfunc.load_model(info.model_uri)
    np.testing.assert_array_equal(np.asarray(as_pyfunc.predict(features)), expected)

    logged = client.get_logged_model(info.model_id)
    assert logged.name == "iris-classifier"
    assert logged.experiment_id == experiment_id
    assert logged.source_run_id == run.info.run_id
    assert str(logged.status) in ("READY", "LoggedModelStatus.READY")

    models = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
    assert [m.model_id for m in models] == [info.model_id]

    outputs = client.get_run(run.info.run_id).outputs.model_outputs
    assert [o.model_id for o in outputs] == [info.model_id]
