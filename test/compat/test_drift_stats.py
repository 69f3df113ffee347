"""Ascent's drift statistics against SciPy and Evidently 0.7 on the same data.

Each case generates a reference and a current dataset with a seeded numpy generator, writes both
as CSV (pandas writes floats in shortest round-trip form, so both sides see identical values),
runs ``ascent monitor compare --json`` on the files and checks every feature's statistic and
p-value (or distance) against SciPy's function and Evidently's own stat test implementation
(``evidently.legacy.calculations.stattests``, which DataDriftPreset calls), plus the test
Evidently chooses by default. Binned tests (PSI, Jensen-Shannon) reproduce numpy's Sturges edges
and histogram exactly, so the same 1e-6 bound applies to them.

The CLI is ``node dist/cli/main.js`` (built by ``npm test``) unless ASCENT_CLI names another
command line, e.g. ``ASCENT_CLI="npx tsx src/cli/main.ts"``.
"""

import json
import os
import shlex
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from evidently.legacy.calculations.stattests import (
    chi_stat_test,
    jensenshannon_stat_test,
    ks_stat_test,
    psi_stat_test,
    wasserstein_stat_test,
    z_stat_test,
)
from evidently.legacy.calculations.stattests.registry import get_stattest
from evidently.legacy.core import ColumnType

REPO = Path(__file__).resolve().parents[2]
TOL = 1e-6
EVIDENTLY_TESTS = {
    "ks": ks_stat_test,
    "chisquare": chi_stat_test,
    "z": z_stat_test,
    "psi": psi_stat_test,
    "jensenshannon": jensenshannon_stat_test,
    "wasserstein": wasserstein_stat_test,
}


def ascent_cli():
    custom = os.environ.get("ASCENT_CLI")
    return shlex.split(custom) if custom else ["node", str(REPO / "dist" / "cli" / "main.js")]


def compare(tmp_path, ref: pd.DataFrame, cur: pd.DataFrame, *args):
    ref_file, cur_file = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.to_csv(ref_file, index=False)
    cur.to_csv(cur_file, index=False)
    out = subprocess.run(
        [*ascent_cli(), "monitor", "compare", "--reference", str(ref_file), "--current", str(cur_file), "--json", *args],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    return report, {f["feature"]: f for f in report["drift"]["features"]}


def close(a, b, tol=TOL):
    return abs(a - b) <= tol * max(1.0, abs(b))


def evidently_type(series: pd.Series) -> ColumnType:
    return ColumnType.Numerical if series.dtype.kind == "f" else ColumnType.Categorical


def check_against_evidently(name, result, ref: pd.Series, cur: pd.Series):
    test = EVIDENTLY_TESTS[result["test"]]
    ev = test(ref, cur, evidently_type(ref), None)
    score = result["pValue"] if result["pValue"] is not None else result["distance"]
    assert close(score, float(ev.drift_score)), f"{name}: ascent {result['test']} {score} vs evidently {ev.drift_score}"
    assert result["drifted"] == bool(ev.drifted), f"{name}: verdict differs from evidently"
    assert result["threshold"] == ev.actual_threshold


RNG_SEED = 20260
rng = np.random.default_rng(RNG_SEED)


@pytest.mark.parametrize(
    "n_ref,n_cur,shift",
    [(300, 250, 0.0), (300, 250, 0.25), (500, 500, 0.15), (800, 20000, 0.05), (999, 50, 0.4), (40, 60, 0.0)],
)
def test_ks_matches_scipy_and_evidently(tmp_path, n_ref, n_cur, shift):
    ref = pd.DataFrame({"x": rng.normal(0, 1, n_ref)})
    cur = pd.DataFrame({"x": rng.normal(shift, 1, n_cur)})
    _, res = compare(tmp_path, ref, cur)
    r = res["x"]
    assert r["test"] == "ks"  # Evidently's default for a numeric reference of <= 1000 rows
    sp = stats.ks_2samp(ref["x"], cur["x"])
    assert close(r["statistic"], sp.statistic)
    assert close(r["pValue"], sp.pvalue), f"p {r['pValue']} vs scipy {sp.pvalue}"
    check_against_evidently("x", r, ref["x"], cur["x"])


def test_ks_exact_on_large_unequal_samples_when_forced(tmp_path):
    ref = pd.DataFrame({"x": rng.gamma(2.0, 1.0, 4000)})
    cur = pd.DataFrame({"x": rng.gamma(2.1, 1.0, 6000)})
    _, res = compare(tmp_path, ref, cur, "--test", "x=ks")
    sp = stats.ks_2samp(ref["x"], cur["x"])
    assert close(res["x"]["statistic"], sp.statistic)
    assert close(res["x"]["pValue"], sp.pvalue)


def test_ks_with_ties(tmp_path):
    ref = pd.DataFrame({"x": rng.integers(0, 40, 700).astype(float)})
    cur = pd.DataFrame({"x": rng.integers(3, 45, 900).astype(float)})
    _, res = compare(tmp_path, ref, cur)
    sp = stats.ks_2samp(ref["x"], cur["x"])
    assert res["x"]["test"] == "ks"
    assert close(res["x"]["statistic"], sp.statistic)
    assert close(res["x"]["pValue"], sp.pvalue)


@pytest.mark.parametrize("n_ref,n_cur", [(600, 400), (900, 3000)])
def test_chi_square_matches_scipy_and_evidently(tmp_path, n_ref, n_cur):
    cats = ["red", "green", "blue", "amber"]
    ref = pd.DataFrame({"c": rng.choice(cats, n_ref, p=[0.4, 0.3, 0.2, 0.1])})
    cur = pd.DataFrame({"c": rng.choice(cats, n_cur, p=[0.35, 0.3, 0.2, 0.15])})
    _, res = compare(tmp_path, ref, cur)
    r = res["c"]
    assert r["test"] == "chisquare"
    keys = sorted(set(ref["c"]) | set(cur["c"]))
    f_exp = [int((ref["c"] == k).sum()) * n_cur / n_ref for k in keys]
    f_obs = [int((cur["c"] == k).sum()) for k in keys]
    sp = stats.chisquare(f_obs, f_exp)
    assert close(r["statistic"], sp.statistic)
    assert close(r["pValue"], sp.pvalue)
    check_against_evidently("c", r, ref["c"], cur["c"])


def test_numeric_column_with_few_values_uses_chi_square(tmp_path):
    ref = pd.DataFrame({"k": rng.choice([1.5, 2.5, 3.5, 4.5], 500)})
    cur = pd.DataFrame({"k": rng.choice([1.5, 2.5, 3.5, 4.5], 700, p=[0.1, 0.3, 0.3, 0.3])})
    _, res = compare(tmp_path, ref, cur)
    ev = get_stattest(ref["k"], cur["k"], ColumnType.Numerical, None)
    assert res["k"]["test"] == ev.name == "chisquare"
    check_against_evidently("k", res["k"], ref["k"], cur["k"])


@pytest.mark.parametrize("p_cur", [0.5, 0.62])
def test_z_test_matches_evidently(tmp_path, p_cur):
    ref = pd.DataFrame({"b": rng.choice(["no", "yes"], 800, p=[0.5, 0.5])})
    cur = pd.DataFrame({"b": rng.choice(["no", "yes"], 600, p=[1 - p_cur, p_cur])})
    _, res = compare(tmp_path, ref, cur)
    r = res["b"]
    assert r["test"] == "z"
    n1, n2 = len(ref), len(cur)
    p1, p2 = (ref["b"] != "no").mean(), (cur["b"] != "no").mean()
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert close(r["statistic"], z)
    assert close(r["pValue"], 2 * (1 - stats.norm.cdf(abs(z))))
    check_against_evidently("b", r, ref["b"], cur["b"])


@pytest.mark.parametrize("shift", [0.0, 0.08, 0.5])
def test_wasserstein_matches_scipy_and_evidently(tmp_path, shift):
    ref = pd.DataFrame({"w": rng.lognormal(0, 0.6, 5000)})
    cur = pd.DataFrame({"w": rng.lognormal(shift, 0.6, 8000)})
    _, res = compare(tmp_path, ref, cur)
    r = res["w"]
    assert r["test"] == "wasserstein"  # reference > 1000 rows, > 5 values
    expected = stats.wasserstein_distance(ref["w"], cur["w"]) / max(float(np.std(ref["w"])), 0.001)
    assert close(r["distance"], expected)
    check_against_evidently("w", r, ref["w"], cur["w"])


def test_jensen_shannon_categorical_and_numeric(tmp_path):
    cats = [f"c{i}" for i in range(12)]
    probs = rng.dirichlet(np.ones(12))
    ref = pd.DataFrame({"cat": rng.choice(cats, 3000), "num": rng.normal(0, 1, 3000), "few": rng.choice([0.5, 1.5, 2.5], 3000)})
    cur = pd.DataFrame({"cat": rng.choice(cats, 2500, p=probs), "num": rng.normal(0.2, 1.1, 2500), "few": rng.choice([0.5, 1.5, 2.5], 2500)})
    _, res = compare(tmp_path, ref, cur, "--test", "num=jensenshannon")
    assert res["cat"]["test"] == "jensenshannon"
    assert res["few"]["test"] == "jensenshannon"  # numeric, reference > 1000 rows, <= 5 values
    for col in ["cat", "num", "few"]:
        check_against_evidently(col, res[col], ref[col], cur[col])
    # The categorical case straight against scipy.spatial.distance.jensenshannon.
    keys = sorted(set(ref["cat"]) | set(cur["cat"]))
    p = [(ref["cat"] == k).mean() for k in keys]
    q = [(cur["cat"] == k).mean() for k in keys]
    assert close(res["cat"]["distance"], distance.jensenshannon(p, q))


def test_psi_with_empty_bins(tmp_path):
    ref = pd.DataFrame({"num": rng.normal(0, 1, 4000), "cat": rng.choice(["a", "b", "c"], 4000)})
    cur = pd.DataFrame({"num": rng.normal(1.5, 0.5, 3000), "cat": rng.choice(["a", "b", "c", "d"], 3000)})
    _, res = compare(tmp_path, ref, cur, "--stattest", "psi")
    for col in ["num", "cat"]:
        assert res[col]["test"] == "psi"
        check_against_evidently(col, res[col], ref[col], cur[col])


def test_default_choices_and_dataset_share_match_evidently(tmp_path):
    n_ref, n_cur = 1500, 1200
    ref = pd.DataFrame({
        "f1": rng.normal(0, 1, n_ref), "f2": rng.normal(0, 1, n_ref), "f3": rng.uniform(0, 1, n_ref),
        "ints": rng.integers(0, 4, n_ref), "seg": rng.choice(["a", "b", "c"], n_ref),
    })
    cur = pd.DataFrame({
        "f1": rng.normal(0.6, 1, n_cur), "f2": rng.normal(0, 1, n_cur), "f3": rng.uniform(0.2, 1.2, n_cur),
        "ints": rng.integers(0, 4, n_cur), "seg": rng.choice(["a", "b", "c"], n_cur, p=[0.6, 0.2, 0.2]),
    })
    report, res = compare(tmp_path, ref, cur)
    drifted = 0
    for col in ref.columns:
        ctype = evidently_type(ref[col])
        ev_test = get_stattest(ref[col], cur[col], ctype, None)
        assert res[col]["test"] == ev_test.name, col
        check_against_evidently(col, res[col], ref[col], cur[col])
        drifted += int(res[col]["drifted"])
    share = drifted / len(ref.columns)
    assert report["drift"]["driftedCount"] == drifted
    assert close(report["drift"]["driftShare"], share)
    assert report["drift"]["datasetDrift"] == (share >= 0.5)


def test_missing_values_are_dropped_like_evidently(tmp_path):
    a = rng.normal(0, 1, 600)
    b = rng.normal(0.3, 1, 500)
    a[::7] = np.nan
    b[::5] = np.inf
    # A second column, so a missing x is an empty field rather than a blank line (which CSV readers skip).
    ref = pd.DataFrame({"x": a, "y": rng.normal(0, 1, 600)})
    cur = pd.DataFrame({"x": b, "y": rng.normal(0, 1, 500)})
    report, res = compare(tmp_path, ref, cur)
    clean_a = a[np.isfinite(a)]
    clean_b = b[np.isfinite(b)]
    sp = stats.ks_2samp(clean_a, clean_b)
    assert close(res["x"]["pValue"], sp.pvalue)
    assert res["x"]["referenceMissing"] == int(np.isnan(a).sum())
    assert res["x"]["currentMissing"] == int(np.isinf(b).sum())
