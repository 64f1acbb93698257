"""The readers users load exports with: pandas, pyarrow and Hugging Face datasets."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import datasets
import pandas
import pyarrow.csv
import pyarrow.json
import pyarrow.parquet

datasets.disable_progress_bars()

_BUILDERS = {"jsonl": "json", "csv": "csv", "parquet": "parquet"}


def with_pandas(content: bytes, kind: str) -> pandas.DataFrame:
    if kind == "csv":
        return pandas.read_csv(io.BytesIO(content))
    if kind == "parquet":
        return pandas.read_parquet(io.BytesIO(content))
    return pandas.read_json(io.BytesIO(content), lines=True)


def with_pyarrow(content: bytes, kind: str) -> Any:
    if kind == "parquet":
        return pyarrow.parquet.read_table(io.BytesIO(content))
    if kind == "csv":
        return pyarrow.csv.read_csv(io.BytesIO(content))
    return pyarrow.json.read_json(io.BytesIO(content))


def with_datasets(content: bytes, kind: str, tmp_path: Path) -> datasets.Dataset:
    path = tmp_path / f"export.{kind}"
    path.write_bytes(content)
    return datasets.load_dataset(
        _BUILDERS[kind], data_files=str(path), split="train", cache_dir=str(tmp_path / "hf")
    )


def check_readable(content: bytes, kind: str, tmp_path: Path, rows: int) -> None:
    """All three readers load the file with the expected number of rows."""
    assert len(with_pandas(content, kind)) == rows
    assert with_pyarrow(content, kind).num_rows == rows
    assert with_datasets(content, kind, tmp_path).num_rows == rows
