"""Save the skl2onnx iris classifier (test/fixtures/serving/iris-logreg.onnx) as an MLflow ONNX model.

`mlflow models serve` loads it with the onnx flavor's pyfunc (onnxruntime); the signature is the
same column-based one Ascent's package carries, so both servers validate the same schema.

usage: save_mlflow_onnx.py <model.onnx> <output dir>
"""

import sys

import mlflow.onnx
import onnx
import pandas as pd
from mlflow.models import infer_signature

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]

model = onnx.load(sys.argv[1])
example = pd.DataFrame([[5.1, 3.5, 1.4, 0.2]], columns=FEATURES)
signature = infer_signature(example)
mlflow.onnx.save_model(model, sys.argv[2], signature=signature)
