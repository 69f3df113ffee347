"""Train an iris classifier with plain, unmodified ``mlflow`` code, tracked by an Ascent server.

The data is scikit-learn's bundled copy of Fisher's iris measurements (150 flowers, 3 species):
nothing is downloaded. A sweep over the regularization strength C runs as one parent run with a
nested run per C value; each trains a logistic-regression model by stochastic gradient descent,
logging train/validation loss and accuracy per epoch, the dataset as an input and the fitted
scikit-learn pipeline as a model. The best model is then registered in the model registry and the
`champion` alias moved to the new version.

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 .venv/bin/python examples/python/train_iris.py

The only Ascent-specific part is the tracking URI.
"""

import os
import warnings

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import sklearn
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# mlflow hints that integer columns cannot hold missing values; iris has none.
warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")

EXPERIMENT = os.environ.get("MLFLOW_EXPERIMENT_NAME", "iris-species")
REGISTERED_MODEL = os.environ.get("REGISTERED_MODEL_NAME", "iris-classifier")
EPOCHS = int(os.environ.get("EPOCHS", "40"))
C_VALUES = [0.01, 0.1, 1.0, 10.0]
SEED = 7


def train_one(c, dataset, features, target, x_train, x_val, y_train, y_val):
    """One nested run: SGD logistic regression with L2 penalty alpha = 1 / (C * n_train)."""
    classes = np.unique(target)
    scaler = StandardScaler().fit(x_train)
    xs_train, xs_val = scaler.transform(x_train), scaler.transform(x_val)
    alpha = 1.0 / (c * len(x_train))
    model = SGDClassifier(loss="log_loss", alpha=alpha, learning_rate="optimal", random_state=SEED)

    with mlflow.start_run(run_name=f"C={c}", nested=True) as run:
        mlflow.log_params({"C": c, "alpha": alpha, "epochs": EPOCHS, "loss": "log_loss", "seed": SEED})
        mlflow.set_tag("model_type", "logistic-regression")
        mlflow.log_input(dataset, context="training")
        rng = np.random.default_rng(SEED)
        for epoch in range(1, EPOCHS + 1):
            order = rng.permutation(len(xs_train))
            model.partial_fit(xs_train[order], y_train.iloc[order], classes=classes)
            mlflow.log_metrics(
                {
                    "train_loss": log_loss(y_train, model.predict_proba(xs_train), labels=classes),
                    "val_loss": log_loss(y_val, model.predict_proba(xs_val), labels=classes),
                    "train_accuracy": accuracy_score(y_train, model.predict(xs_train)),
                    "val_accuracy": accuracy_score(y_val, model.predict(xs_val)),
                },
                step=epoch,
            )
        val_accuracy = accuracy_score(y_val, model.predict(xs_val))
        pipeline = make_pipeline(scaler, model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Naming the requirements skips mlflow's inference of them, which re-imports the model
            # in a subprocess and takes half a minute.
            info = mlflow.sklearn.log_model(
                pipeline,
                name="iris-classifier",
                input_example=features.head(3),
                pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
            )
        print(f"  C={c:<5} run {run.info.run_id}  val_accuracy={val_accuracy:.3f}")
        return run.info.run_id, val_accuracy, info.model_uri


def main():
    frame = load_iris(as_frame=True).frame
    features, target = frame.drop(columns="target"), frame["target"]
    x_train, x_val, y_train, y_val = train_test_split(
        features, target, test_size=0.3, random_state=SEED, stratify=target
    )
    # Without a source, mlflow records this script as the dataset's origin (a "code" source).
    dataset = mlflow.data.from_pandas(frame, name="iris", targets="target")

    mlflow.set_experiment(EXPERIMENT)
    print(f"Training on {len(x_train)} train / {len(x_val)} validation flowers -> {mlflow.get_tracking_uri()}")
    with mlflow.start_run(run_name="sweep") as sweep:
        mlflow.log_params({"C_values": ",".join(map(str, C_VALUES)), "epochs": EPOCHS})
        mlflow.log_input(dataset, context="training")
        results = []
        for index, c in enumerate(C_VALUES):
            run_id, val_accuracy, model_uri = train_one(c, dataset, features, target, x_train, x_val, y_train, y_val)
            results.append((c, run_id, val_accuracy, model_uri))
            mlflow.log_metric("val_accuracy_by_C", val_accuracy, step=index)
        best_c, best_run, best_accuracy, best_model_uri = max(results, key=lambda r: r[2])
        mlflow.log_metric("best_val_accuracy", best_accuracy)
        mlflow.set_tags({"best_C": str(best_c), "best_run_id": best_run})
    print(f'Sweep run {sweep.info.run_id} in experiment "{EXPERIMENT}": best C={best_c} (val_accuracy {best_accuracy:.3f})')

    # Register the winner and point the `champion` alias at it: serving code can then load
    # models:/iris-classifier@champion without knowing which run produced it.
    version = mlflow.register_model(best_model_uri, REGISTERED_MODEL)
    MlflowClient().set_registered_model_alias(REGISTERED_MODEL, "champion", version.version)
    champion = mlflow.pyfunc.load_model(f"models:/{REGISTERED_MODEL}@champion")
    accuracy = accuracy_score(y_val, champion.predict(x_val))
    print(f"Registered {REGISTERED_MODEL} version {version.version} as @champion (reloaded: val_accuracy {accuracy:.3f})")


if __name__ == "__main__":
    main()
