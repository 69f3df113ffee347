"""Fit one logistic regression (C from the foreach item), log with plain mlflow, export to ONNX."""
import json
import os

import mlflow
import numpy as np
import pandas as pd
from skl2onnx import to_onnx
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

data = os.environ["ASCENT_INPUT_DATA"]
c = float(json.loads(os.environ["ASCENT_ITEM"]))
train = pd.read_csv(os.path.join(data, "train.csv"))
test = pd.read_csv(os.path.join(data, "test.csv"))
features = [col for col in train.columns if col != "target"]

model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000))
model.fit(train[features].to_numpy(np.float32), train["target"])
pred = model.predict(test[features].to_numpy(np.float32))
accuracy = accuracy_score(test["target"], pred)
f1 = f1_score(test["target"], pred, average="macro")

# No run set-up: MLFLOW_TRACKING_URI and MLFLOW_RUN_ID point at this step's run.
mlflow.log_param("C", c)
mlflow.log_metric("accuracy", accuracy)
mlflow.log_metric("f1_macro", f1)

onx = to_onnx(model, train[features].to_numpy(np.float32)[:1], target_opset=17, options={id(model.steps[-1][1]): {"zipmap": False}})
with open(os.environ["ASCENT_OUTPUT_MODEL"], "wb") as f:
    f.write(onx.SerializeToString())
with open(os.environ["ASCENT_OUTPUT_METRICS"], "w") as f:
    json.dump({"C": c, "accuracy": accuracy, "f1_macro": f1}, f)
print(f"C={c}: accuracy={accuracy:.4f} f1={f1:.4f}")
