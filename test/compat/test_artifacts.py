import os
from pathlib import Path

import mlflow


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _write_tree(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "readme.txt").write_text("top level\n")
    (root / "sub" / "numbers.csv").write_text("a,b\n1,2\n3,4\n")
    (root / "sub" / "deeper" / "blob.bin").write_bytes(os.urandom(256 * 1024 + 7))
    (root / "sub" / "deeper" / "empty.txt").write_bytes(b"")
    (root / "sub" / "deeper" / "config.json").write_text('{"k": [1, 2, 3]}')


def test_log_artifact_and_download_round_trip(client, experiment_id, tmp_path):
    single = tmp_path / "notes.txt"
    single.write_text("hello artifacts\n")
    binary = tmp_path / "weights.bin"
    binary.write_bytes(os.urandom(1024 * 1024 + 13))

    with mlflow.start_run() as run:
        mlflow.log_artifact(str(single))
        mlflow.log_artifact(str(binary), artifact_path="model/raw")
    run_id = run.info.run_id

    listed = {f.path: f for f in client.list_artifacts(run_id)}
    assert set(listed) == {"notes.txt", "model"}
    assert listed["model"].is_dir
    assert listed["notes.txt"].file_size == single.stat().st_size
    nested = client.list_artifacts(run_id, "model/raw")
    assert [(f.path, f.is_dir, f.file_size) for f in nested] == [
        ("model/raw/weights.bin", False, binary.stat().st_size)
    ]

    out = tmp_path / "out"
    out.mkdir()
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="model/raw/weights.bin", dst_path=str(out)
    )
    assert Path(local).read_bytes() == binary.read_bytes()
    local_text = client.download_artifacts(run_id, "notes.txt", str(out))
    assert Path(local_text).read_text() == "hello artifacts\n"


def test_log_artifacts_directory_round_trip(client, experiment_id, tmp_path):
    source = tmp_path / "source"
    _write_tree(source)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(source), artifact_path="tree")
        mlflow.log_artifacts(str(source))
    run_id = run.info.run_id

    top = sorted(f.path for f in client.list_artifacts(run_id))
    assert top == ["readme.txt", "sub", "tree"]
    assert sorted(f.path for f in client.list_artifacts(run_id, "tree/sub")) == [
        "tree/sub/deeper",
        "tree/sub/numbers.csv",
    ]

    dest = tmp_path / "dest"
    dest.mkdir()
    downloaded = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path="tree", dst_path=str(dest)
    )
    assert _tree(Path(downloaded)) == _tree(source)

    everything = tmp_path / "everything"
    everything.mkdir()
    root = mlflow.artifacts.download_artifacts(artifact_uri=run.info.artifact_uri, dst_path=str(everything))
    tree = _tree(Path(root))
    assert {k: v for k, v in tree.items() if not k.startswith("tree/")} == _tree(source)
    assert {k[len("tree/") :]: v for k, v in tree.items() if k.startswith("tree/")} == _tree(source)
