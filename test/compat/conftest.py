"""Shared fixtures for the MLflow-client compatibility suite.

The suite drives a live tracking server with the real, unmodified ``mlflow`` client. It runs the
same against Ascent (``test/compat/mlflow-compat.test.ts`` starts one) and against MLflow's own
server, which is how the expectations themselves were checked.
"""

import os
import uuid

# Fail fast instead of retrying for minutes when the server is down or answers 5xx.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import mlflow  # noqa: E402
import pytest  # noqa: E402
from mlflow import MlflowClient  # noqa: E402


@pytest.fixture(scope="session")
def tracking_uri():
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    if not uri.startswith(("http://", "https://")):
        pytest.fail(
            "MLFLOW_TRACKING_URI must name a running tracking server (http://host:port); "
            f"got {uri!r}"
        )
    mlflow.set_tracking_uri(uri)
    return uri


@pytest.fixture
def client(tracking_uri):
    return MlflowClient(tracking_uri)


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def experiment_id(tracking_uri, request):
    """A fresh experiment, set as the active one, so tests never see each other's runs."""
    experiment = mlflow.set_experiment(unique_name(f"compat-{request.node.name}"))
    yield experiment.experiment_id
    while mlflow.active_run() is not None:
        mlflow.end_run()
