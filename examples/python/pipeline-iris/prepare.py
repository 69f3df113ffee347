"""Split scikit-learn's bundled iris dataset (150 flowers, 3 species) into train and test CSVs."""
import os

import pandas as pd
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

out = os.environ["ASCENT_OUTPUT_DATA"]
test_fraction = float(os.environ["ASCENT_PARAM_TEST_FRACTION"])

iris = load_iris(as_frame=True)
frame = iris.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
train, test = train_test_split(frame, test_size=test_fraction, random_state=42, stratify=frame["target"])
train.to_csv(os.path.join(out, "train.csv"), index=False)
test.to_csv(os.path.join(out, "test.csv"), index=False)
print(f"iris: {len(train)} train / {len(test)} test rows, classes {list(iris.target_names)}")
