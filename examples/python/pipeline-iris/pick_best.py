"""Keep the ONNX model with the best test accuracy (ties: the smaller C), save it as an MLflow
ONNX package (MLmodel with signature, servable as is) and log its metrics on this step's run."""
import json
import os

import mlflow
import mlflow.onnx
import numpy as np
import onnx
import pandas as pd
from mlflow.models import infer_signature

metrics_dir = os.environ["ASCENT_INPUT_METRICS"]
models_dir = os.environ["ASCENT_INPUT_MODELS"]
runs = [(item, json.load(open(os.path.join(metrics_dir, item)))) for item in sorted(os.listdir(metrics_dir))]
item, best = max(runs, key=lambda r: (r[1]["accuracy"], -r[1]["C"]))
for i, m in runs:
    print(f"C={m['C']}: accuracy={m['accuracy']:.4f}{'  <- best' if i == item else ''}")

test = pd.read_csv(os.path.join(os.environ["ASCENT_INPUT_DATA"], "test.csv"))
x = test[[c for c in test.columns if c != "target"]].to_numpy(np.float32)
signature = infer_signature({"X": x}, {"label": test["target"].to_numpy(np.int64)})
# save_model creates the folder itself; the pipeline uploads it as the `model` output.
mlflow.onnx.save_model(onnx.load(os.path.join(models_dir, item)), os.environ["ASCENT_OUTPUT_MODEL"], signature=signature)
mlflow.log_metric("accuracy", best["accuracy"])
mlflow.log_metric("f1_macro", best["f1_macro"])
mlflow.log_param("C", best["C"])
