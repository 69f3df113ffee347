"""Generate the monitoring benchmark's data: a reference and a current dataset with 20 numeric and
5 categorical features (seeded, so every run compares the same files). Features num_00..num_05 and
cat_0, cat_1 are shifted in the current data; the rest follow the reference distribution.

usage: python generate_data.py OUT_DIR [REFERENCE_ROWS] [CURRENT_ROWS]
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

NUMERIC = 20
CATEGORICAL = 5
SHIFTED_NUMERIC = 6
SHIFTED_CATEGORICAL = 2


def make(rows: int, rng: np.random.Generator, shifted: bool) -> pd.DataFrame:
    cols = {}
    for i in range(NUMERIC):
        shift = 0.3 if shifted and i < SHIFTED_NUMERIC else 0.0
        kind = i % 4
        if kind == 0:
            cols[f"num_{i:02d}"] = rng.normal(10 * i + shift, 1.0, rows)
        elif kind == 1:
            cols[f"num_{i:02d}"] = rng.lognormal(0.0 + shift, 0.5, rows)
        elif kind == 2:
            cols[f"num_{i:02d}"] = rng.uniform(0.0 + shift, 1.0 + shift, rows)
        else:
            cols[f"num_{i:02d}"] = rng.gamma(2.0 + 2 * shift, 1.5, rows)
    for j in range(CATEGORICAL):
        k = 4 + 2 * j
        cats = np.array([f"c{j}_{v}" for v in range(k)])
        p = np.linspace(1.0, 2.0, k)
        if shifted and j < SHIFTED_CATEGORICAL:
            p = p[::-1] ** 2
        cols[f"cat_{j}"] = rng.choice(cats, rows, p=p / p.sum())
    return pd.DataFrame(cols)


def main() -> None:
    out = Path(sys.argv[1])
    ref_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    cur_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(6)
    make(ref_rows, rng, False).to_csv(out / "reference.csv", index=False)
    make(cur_rows, rng, True).to_csv(out / "current.csv", index=False)


if __name__ == "__main__":
    main()
