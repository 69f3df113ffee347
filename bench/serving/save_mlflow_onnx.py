"""Save the skl2onnx iris classifier (test/fixtures/serving/iris-logreg.onnx) as an MLflow ONNX model.

MLflow's onnx pyfunc builds a DataFrame from the outputs and fails on the 2-D `probabilities`
output ("All arrays must be of the same length"), so the graph keeps only its `label` output; the
same trimmed file is written beside the MLflow model for Ascent and the bare handler, so all three
serve identical bytes. The signature is the column-based one Ascent's package carries.

usage: save_mlflow_onnx.py <model.onnx> <output dir> <trimmed model.onnx>
"""

import sys

import mlflow.onnx
import onnx
import pandas as pd
from mlflow.models import infer_signature

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]

model = onnx.load(sys.argv[1])
keep = [o for o in model.graph.output if o.name == "label"]
del model.graph.output[:]
model.graph.output.extend(keep)
onnx.save(model, sys.argv[3])
example = pd.DataFrame([[5.1, 3.5, 1.4, 0.2]], columns=FEATURES)
signature = infer_signature(example)
mlflow.onnx.save_model(model, sys.argv[2], signature=signature)
