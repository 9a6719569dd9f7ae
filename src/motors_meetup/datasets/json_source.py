"""``JsonSourceDataset``: one Meetup export source as raw text records.

A source is ``<input_dir>/<source>.json`` or a folder ``<input_dir>/<source>/`` of
``.json`` files (deliveries). Each file is JSON lines (one object per line) or one
top-level array. Loading yields one row per record, still as text, so that typing
happens in the raw layer, where a record that cannot be parsed is quarantined rather
than lost: ``source_file``, ``file_modified_at`` (the delivery's arrival) and
``record``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from kedro.io import AbstractDataset, DatasetError
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

logger = logging.getLogger(__name__)

RECORD_SCHEMA = T.StructType(
    [
        T.StructField("source_file", T.StringType(), False),
        T.StructField("file_modified_at", T.TimestampType(), False),
        T.StructField("record", T.StringType(), True),
    ]
)
_DECODER = json.JSONDecoder()
_PEEK_BYTES = 4096


@dataclass(frozen=True)
class SourceFile:
    """One delivery file of a source."""

    path: Path
    modified_at: datetime
    is_array: bool


class JsonSourceDataset(AbstractDataset[None, DataFrame]):
    """Read-only raw JSON source: every record as text with its file."""

    _SINGLE_PROCESS: ClassVar[bool] = True

    def __init__(
        self,
        *,
        input_dir: str,
        source: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._input_dir = Path(input_dir)
        self._source = source
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"input_dir": str(self._input_dir), "source": self._source}

    def _save(self, data: None) -> None:
        raise DatasetError(f"Source {self._source!r} is read-only input")

    def _exists(self) -> bool:
        return bool(self.files())

    def files(self) -> list[SourceFile]:
        """The source's delivery files, in name order (empty if none)."""
        single = self._input_dir / f"{self._source}.json"
        folder = self._input_dir / self._source
        paths = [single] if single.is_file() else []
        if folder.is_dir():
            paths += sorted(p for p in folder.glob("*.json") if p.is_file())
        return [_describe_file(path) for path in paths]

    def _load(self) -> DataFrame:
        files = self.files()
        if not files:
            raise DatasetError(
                f"Source {self._source!r}: no input found. Expected the file "
                f"{self._input_dir / (self._source + '.json')} or a folder "
                f"{self._input_dir / self._source}/ of .json files."
            )
        empty = [f for f in files if f.path.stat().st_size == 0]
        for file in empty:
            logger.warning("Source %r: %s is empty", self._source, file.path)
        if len(empty) == len(files):
            names = ", ".join(str(f.path) for f in empty)
            raise DatasetError(f"Source {self._source!r}: input file is empty: {names}")
        spark = SparkSession.builder.getOrCreate()
        frames = []
        lines = [f for f in files if not f.is_array and f not in empty]
        if lines:
            frames.append(_read_json_lines(spark, lines))
        arrays = [f for f in files if f.is_array]
        if arrays:
            rows = [row for file in arrays for row in _array_records(file)]
            frames.append(spark.createDataFrame(rows, RECORD_SCHEMA))
        result = frames[0]
        for frame in frames[1:]:
            result = result.unionByName(frame)
        return result


def _describe_file(path: Path) -> SourceFile:
    modified = datetime.fromtimestamp(int(path.stat().st_mtime), tz=timezone.utc)
    with path.open("rb") as handle:
        head = handle.read(_PEEK_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
    return SourceFile(path.resolve(), modified, head.startswith(b"["))


def _read_json_lines(spark: SparkSession, files: list[SourceFile]) -> DataFrame:
    frame = spark.read.text([str(f.path) for f in files])
    # _metadata.file_path is a URI (file:/...); keep the plain local path.
    path = F.url_decode(F.regexp_replace("_metadata.file_path", "^file:(//)?", ""))
    modified = F.to_timestamp(
        F.date_trunc("second", F.col("_metadata.file_modification_time"))
    )
    return frame.where(F.trim("value") != "").select(
        path.alias("source_file"),
        modified.alias("file_modified_at"),
        F.col("value").alias("record"),
    )


def _array_records(file: SourceFile) -> list[tuple[str, datetime, str]]:
    """Elements of a top-level JSON array; an unparseable rest is one bad record."""
    text = file.path.read_text(encoding="utf-8-sig", errors="replace")
    source, when = str(file.path), file.modified_at
    position = text.index("[") + 1
    rows: list[tuple[str, datetime, str]] = []
    while True:
        position = _skip(text, position, " \t\r\n,")
        if position >= len(text) or text[position] == "]":
            if text[position:].strip() not in ("]", ""):
                rows.append((source, when, text[position + 1 :].strip()))
            return rows
        try:
            value, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError:
            rows.append((source, when, text[position:].strip()))
            return rows
        rows.append((source, when, json.dumps(value, ensure_ascii=False)))
        position = end


def _skip(text: str, position: int, chars: str) -> int:
    while position < len(text) and text[position] in chars:
        position += 1
    return position
