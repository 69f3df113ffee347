"""Serving compatibility: real clients of the inference protocols against an Ascent deployment.

A scikit-learn iris classifier is converted with skl2onnx, logged through the real mlflow client
as an ONNX model package, registered, and deployed through Ascent's native API. Then:
- ``tritonclient[http]`` (the Open Inference Protocol V2 client) reads server and model metadata
  and infers, in its default binary tensor mode and in JSON mode;
- plain ``requests`` calls MLflow's scoring path ``/invocations`` in every accepted format.
"""

import io
import json
import os
import tempfile

import mlflow
import numpy as np
import pytest
import requests
from skl2onnx import to_onnx
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from conftest import unique_name

tritonhttp = pytest.importorskip("tritonclient.http")

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
MLMODEL = """artifact_path: model
flavors:
  onnx:
    data: model.onnx
    onnx_version: 1.23.2
signature:
  inputs: '{inputs}'
  outputs: '[{{"type": "tensor", "tensor-spec": {{"dtype": "int64", "shape": [-1]}}}}]'
  params: null
"""


@pytest.fixture(scope="module")
def iris():
    data = load_iris()
    X = data.data.astype(np.float32)
    return X, data.target


@pytest.fixture(scope="module")
def deployment(tracking_uri, iris):
    """An Ascent deployment serving the skl2onnx iris classifier (registered through mlflow)."""
    X, y = iris
    model = LogisticRegression(max_iter=500).fit(X, y)
    onx = to_onnx(model, initial_types=None, X=X[:1], options={id(model): {"zipmap": False}}, target_opset=15)
    name = unique_name("iris-onnx")
    mlflow.set_experiment(unique_name("serving-compat"))
    with tempfile.TemporaryDirectory() as d, mlflow.start_run() as run:
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(onx.SerializeToString())
        inputs = json.dumps([{"type": "double", "name": c, "required": True} for c in FEATURES])
        with open(os.path.join(d, "MLmodel"), "w") as f:
            f.write(MLMODEL.format(inputs=inputs))
        mlflow.log_artifacts(d, "model")
        run_id = run.info.run_id
    version = mlflow.register_model(f"runs:/{run_id}/model", name)
    res = requests.post(
        f"{tracking_uri}/api/v1/deployments",
        json={"name": name, "variants": [{"name": "main", "model": f"{name}/{version.version}"}]},
        timeout=120,
    )
    assert res.status_code == 200, res.text
    assert res.json()["status"]["state"] == "ready", res.text
    expected = model.predict(X)
    yield {"name": name, "version": version.version, "expected": expected}
    requests.delete(f"{tracking_uri}/api/v1/deployments/{name}", timeout=60)


@pytest.fixture(scope="module")
def triton(tracking_uri):
    return tritonhttp.InferenceServerClient(url=tracking_uri.split("://", 1)[1])


def test_tritonclient_reads_server_and_model_metadata(triton, deployment):
    assert triton.is_server_live()
    assert triton.is_server_ready()
    assert triton.get_server_metadata()["name"] == "ascent"
    assert triton.is_model_ready(deployment["name"])
    meta = triton.get_model_metadata(deployment["name"])
    assert meta["name"] == deployment["name"]
    assert meta["versions"] == [deployment["version"]]
    assert meta["inputs"] == [{"name": "X", "datatype": "FP32", "shape": [-1, 4]}]
    assert [o["name"] for o in meta["outputs"]] == ["label", "probabilities"]


@pytest.mark.parametrize("binary", [True, False])
def test_tritonclient_infers(triton, deployment, iris, binary):
    X, _ = iris
    batch = X[::10]
    inp = tritonhttp.InferInput("X", list(batch.shape), "FP32")
    inp.set_data_from_numpy(batch, binary_data=binary)
    outputs = [tritonhttp.InferRequestedOutput("label", binary_data=binary), tritonhttp.InferRequestedOutput("probabilities", binary_data=binary)]
    result = triton.infer(deployment["name"], [inp], outputs=outputs, request_id=f"triton-{binary}")
    assert result.get_response()["id"] == f"triton-{binary}"
    np.testing.assert_array_equal(result.as_numpy("label"), deployment["expected"][::10])
    probs = result.as_numpy("probabilities")
    assert probs.shape == (len(batch), 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_tritonclient_default_binary_outputs_and_pinned_version(triton, deployment, iris):
    X, _ = iris
    inp = tritonhttp.InferInput("X", [3, 4], "FP32")
    inp.set_data_from_numpy(X[:3])
    result = triton.infer(deployment["name"], [inp], model_version=deployment["version"])
    np.testing.assert_array_equal(result.as_numpy("label"), deployment["expected"][:3])


def test_tritonclient_sees_bad_input_as_an_error(triton, deployment):
    inp = tritonhttp.InferInput("X", [1, 3], "FP32")
    inp.set_data_from_numpy(np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(Exception) as err:
        triton.infer(deployment["name"], [inp])
    assert "X" in str(err.value)
    with pytest.raises(Exception):
        triton.get_model_metadata("no-such-deployment")


def _invocations(tracking_uri, deployment, body, content_type="application/json"):
    url = f"{tracking_uri}/deployments/{deployment['name']}/invocations"
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(url, data=data, headers={"Content-Type": content_type}, timeout=60)


def test_invocations_accepts_every_mlflow_format(tracking_uri, deployment, iris):
    X, _ = iris
    rows = X[::15]
    expected = deployment["expected"][::15].tolist()
    records = [dict(zip(FEATURES, map(float, r))) for r in rows]
    bodies = {
        "dataframe_split": {"dataframe_split": {"columns": FEATURES, "data": rows.tolist()}},
        "dataframe_records": {"dataframe_records": records},
        "instances": {"instances": rows.tolist()},
        "inputs": {"inputs": {"X": rows.tolist()}, "params": {}},
    }
    for fmt, body in bodies.items():
        res = _invocations(tracking_uri, deployment, body)
        assert res.status_code == 200, (fmt, res.text)
        assert res.headers.get("x-request-id"), fmt
        assert [p["label"] for p in res.json()["predictions"]] == expected, fmt
    buf = io.StringIO()
    buf.write(",".join(FEATURES) + "\n")
    for r in rows:
        buf.write(",".join(str(float(v)) for v in r) + "\n")
    res = _invocations(tracking_uri, deployment, buf.getvalue(), "text/csv")
    assert res.status_code == 200, res.text
    assert [p["label"] for p in res.json()["predictions"]] == expected


def test_invocations_errors_are_mlflow_shaped(tracking_uri, deployment):
    res = _invocations(tracking_uri, deployment, "x", "text/plain")
    assert res.status_code == 415
    res = _invocations(tracking_uri, deployment, {"dataframe_records": [{"sepal_length": 1.0}]})
    assert res.status_code == 400
    assert res.json()["error_code"] == "BAD_REQUEST"
    assert "sepal_width" in res.json()["message"]
    res = requests.post(f"{tracking_uri}/deployments/no-such-deployment/invocations", json={"instances": [[1, 2, 3, 4]]}, timeout=30)
    assert res.status_code == 404
    assert res.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
