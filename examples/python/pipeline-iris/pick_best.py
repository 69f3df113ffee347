"""Keep the ONNX model with the best test accuracy (ties: the smaller C) and log its metrics."""
import json
import os
import shutil

import mlflow

metrics_dir = os.environ["ASCENT_INPUT_METRICS"]
models_dir = os.environ["ASCENT_INPUT_MODELS"]
runs = [(item, json.load(open(os.path.join(metrics_dir, item)))) for item in sorted(os.listdir(metrics_dir))]
item, best = max(runs, key=lambda r: (r[1]["accuracy"], -r[1]["C"]))
for i, m in runs:
    print(f"C={m['C']}: accuracy={m['accuracy']:.4f}{'  <- best' if i == item else ''}")
out = os.environ["ASCENT_OUTPUT_MODEL"]
shutil.copyfile(os.path.join(models_dir, item), os.path.join(out, "model.onnx"))
with open(os.path.join(out, "metrics.json"), "w") as f:
    json.dump(best, f)
mlflow.log_metric("accuracy", best["accuracy"])
mlflow.log_metric("f1_macro", best["f1_macro"])
mlflow.log_param("C", best["C"])
