"""Evidently's side of the monitoring benchmark: read both CSV files with pandas and run the
DataDriftPreset report (Evidently 0.7's default drift tests), then write each column's score and
verdict as JSON so the runner can check that Ascent reaches the same verdicts.

usage: python evidently_drift.py REFERENCE.csv CURRENT.csv OUT.json
"""

import json
import sys

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset


def main() -> None:
    reference = pd.read_csv(sys.argv[1])
    current = pd.read_csv(sys.argv[2])
    snapshot = Report([DataDriftPreset()]).run(current, reference)
    columns = {}
    share = None
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            columns[config["column"]] = {"method": config["method"], "score": metric["value"], "threshold": config["threshold"]}
        elif config["type"].endswith("DriftedColumnsCount"):
            share = metric["value"]
    with open(sys.argv[3], "w") as f:
        json.dump({"columns": columns, "drifted": share}, f)


if __name__ == "__main__":
    main()
