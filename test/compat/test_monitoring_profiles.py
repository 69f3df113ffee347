"""Reference profiles computed at registration, driven by the real mlflow client.

A run logs its training data with ``mlflow.log_input(..., context="training")`` and a model; once
the model is registered, Ascent computes the version's reference profile from that dataset (after
the registration, from the registry's event log) and serves it through its native API.
"""

import time

import mlflow
import mlflow.sklearn
import requests
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from conftest import unique_name


def profile_status(tracking_uri, name, version, timeout=60.0):
    """Poll the version's profile status until the registration profile has an outcome."""
    url = f"{tracking_uri}/api/v1/monitoring/profiles/{name}/{version}/status"
    deadline = time.monotonic() + timeout
    while True:
        body = requests.get(url, timeout=30).json()
        registration = body.get("registration")
        if registration and registration["status"] != "pending":
            return body
        assert time.monotonic() < deadline, f"no profile outcome for {name} v{version}: {body}"
        time.sleep(0.2)


def test_registering_a_model_profiles_its_training_dataset(tracking_uri, experiment_id, tmp_path):
    frame = load_iris(as_frame=True).frame
    features = frame.drop(columns=["target"])
    source = tmp_path / "iris-train.csv"
    frame.to_csv(source, index=False)
    model = LogisticRegression(max_iter=500).fit(features, frame["target"])
    name = unique_name("iris-profiled")

    with mlflow.start_run():
        dataset = mlflow.data.from_pandas(frame, source=str(source), name="iris-train", targets="target")
        mlflow.log_input(dataset, context="training")
        info = mlflow.sklearn.log_model(model, name="model", input_example=features.head(3))
    version = mlflow.register_model(info.model_uri, name)

    body = profile_status(tracking_uri, name, version.version)
    registration = body["registration"]
    assert registration["status"] == "computed", registration
    assert registration["reason"] is None
    assert registration["dataset"]["name"] == "iris-train"
    assert registration["dataset"]["digest"] == dataset.digest
    summary = body["profile"]
    assert summary["source"] == "training"
    assert summary["rows"] == 150
    # The signature's inputs are the features; the one other column (the target) is the prediction.
    assert [f["name"] for f in summary["features"]] == list(features.columns)
    assert summary["prediction"] == "categorical"

    stored = requests.get(f"{tracking_uri}/api/v1/monitoring/profiles/{name}/{version.version}", timeout=30).json()
    assert stored["profileId"] == registration["profileId"]
    sepal = next(f for f in stored["profile"]["features"] if f["name"] == "sepal length (cm)")
    assert sepal["kind"] == "numeric"
    assert abs(sepal["mean"] - float(features["sepal length (cm)"].mean())) < 1e-9
    assert sepal["min"] == float(features["sepal length (cm)"].min())
    assert stored["profile"]["prediction"]["frequencies"] == {"0": 50, "1": 50, "2": 50}


def test_a_version_without_a_training_dataset_says_why(tracking_uri, experiment_id, client):
    features, target = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(features, target)
    name = unique_name("iris-unprofiled")
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(model, name="model", input_example=features.head(3))
    client.create_registered_model(name)
    version = client.create_model_version(name, info.model_uri, run_id=info.run_id)

    body = profile_status(tracking_uri, name, version.version)
    assert body["profile"] is None
    assert body["registration"]["status"] == "skipped"
    assert body["registration"]["reason"] == "no training dataset: the run logged no dataset input"
