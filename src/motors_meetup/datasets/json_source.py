"""``JsonSourceDataset``: one Meetup export source as raw text records.

A source is ``<input_dir>/<source>.json`` or a folder ``<input_dir>/<source>/`` of
``.json`` files (deliveries). Each file is JSON lines (one object per line) or one
top-level array. Loading yields one row per record, still as text, so that typing
happens in the raw layer, where a record that cannot be parsed is quarantined rather
than lost: ``source_file``, ``delivery_id`` (the md5 of the file's bytes),
``file_modified_at`` (the delivery's arrival) and ``record``.

A delivery is identified by its content, not its path: moving the input folder
changes no ``delivery_id``, so an incremental run does not read moved files again.
A file with the same bytes as another file of the source is the same delivery and
is read once (the other copy is named in a warning).

For kedro-viz, :meth:`JsonSourceDataset.preview` returns an HTML card: what the
source is, its files and its first records, read without Spark.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar, NewType

from kedro.io import AbstractDataset, DatasetError
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from motors_meetup.plans import record_deliveries

logger = logging.getLogger(__name__)

# The "comment" metadata documents each column (docs only: loading ignores it).
RECORD_SCHEMA = T.StructType(
    [
        T.StructField(
            "source_file",
            T.StringType(),
            False,
            {"comment": "Local path of the delivery file the record was read from."},
        ),
        T.StructField(
            "delivery_id",
            T.StringType(),
            False,
            {
                "comment": "md5 of the delivery file's bytes: the delivery's identity "
                "wherever the file lies."
            },
        ),
        T.StructField(
            "file_modified_at",
            T.TimestampType(),
            False,
            {
                "comment": "The file's modification time (UTC, whole seconds): when "
                "the delivery arrived."
            },
        ),
        T.StructField(
            "record",
            T.StringType(),
            True,
            {"comment": "The record's JSON text, untyped; parsed in the raw layer."},
        ),
    ]
)
_DECODER = json.JSONDecoder()
_PEEK_BYTES = 4096
PREVIEW_ROWS = 5
PREVIEW_CHARS = 2000
_PREVIEW_READ_BYTES = 1 << 20

# kedro-viz renders a preview by the name of ``preview()``'s return annotation.
HTMLPreview = NewType("HTMLPreview", str)
_BLANK = b"\xef\xbb\xbf \t\r\n"


@dataclass(frozen=True)
class SourceFile:
    """One delivery file of a source."""

    path: Path
    modified_at: datetime
    is_array: bool
    is_blank: bool = False
    digest: str = ""


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

    @property
    def source(self) -> str:
        """The source's name (``events``, ``groups``...)."""
        return self._source

    @property
    def location_pattern(self) -> str:
        """Where the source's deliveries are looked for."""
        stem = self._input_dir / self._source
        return f"{stem}.json or {stem}/*.json"

    @property
    def description(self) -> str:
        """What the source is, for kedro-viz and the data dictionary."""
        from motors_meetup.docs.data_dictionary import source_description  # noqa: PLC0415

        return source_description(self)

    def _describe(self) -> dict[str, Any]:
        return {"input_dir": str(self._input_dir), "source": self._source}

    def preview(self, nrows: int = PREVIEW_ROWS) -> HTMLPreview:
        """kedro-viz's card: description, delivery files and first ``nrows`` records."""
        from motors_meetup.docs.data_dictionary import source_card  # noqa: PLC0415

        try:
            records = self.sample_records(nrows)
        except Exception as error:  # noqa: BLE001 - a preview must never fail viz
            logger.warning("No preview of source %r: %s", self._source, error)
            records = []
        return HTMLPreview(source_card(self, records))

    def sample_records(self, nrows: int = PREVIEW_ROWS) -> list[tuple[str, str]]:
        """``(file name, record text)`` of the first ``nrows`` records, read
        without Spark from at most the first MiB of each file."""
        records: list[tuple[str, str]] = []
        for file in self.files():
            if len(records) >= nrows:
                break
            with file.path.open("rb") as handle:
                head = handle.read(_PREVIEW_READ_BYTES).decode("utf-8-sig", "replace")
            texts = _head_elements(head) if file.is_array else head.splitlines()
            for text in texts:
                if text.strip() and len(records) < nrows:
                    records.append((file.path.name, text.strip()[:PREVIEW_CHARS]))
        return records

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
        empty = [f for f in files if f.is_blank]
        for file in empty:
            logger.warning("Source %r: %s is empty", self._source, file.path)
        if len(empty) == len(files):
            names = ", ".join(str(f.path) for f in empty)
            raise DatasetError(
                f"Source {self._source!r}: input file is empty (no bytes or only "
                f"whitespace): {names}"
            )
        deliveries = self._distinct_deliveries([f for f in files if f not in empty])
        spark = SparkSession.builder.getOrCreate()
        frames = []
        lines = [f for f in deliveries if not f.is_array]
        if lines:
            frames.append(_read_json_lines(spark, lines))
        arrays = [f for f in deliveries if f.is_array]
        if arrays:
            rows = [row for file in arrays for row in _array_records(file)]
            frames.append(spark.createDataFrame(rows, RECORD_SCHEMA))
        result = frames[0]
        for frame in frames[1:]:
            result = result.unionByName(frame)
        record_deliveries(result, (f.digest for f in deliveries))
        return result

    def _distinct_deliveries(self, files: list[SourceFile]) -> list[SourceFile]:
        """``files`` without later copies of an earlier file's bytes."""
        first: dict[str, SourceFile] = {}
        for file in files:
            original = first.setdefault(file.digest, file)
            if original is not file:
                logger.warning(
                    "Source %r: %s has the same content as %s: read once",
                    self._source,
                    file.path,
                    original.path,
                )
        return list(first.values())


# Digests already computed in this process, by (path, size, modification time).
_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: Path) -> str:
    """md5 (hex) of the file's bytes, computed once per version of the file."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    known = _DIGESTS.get(key)
    if known is None:
        with path.open("rb") as handle:
            known = hashlib.file_digest(handle, "md5").hexdigest()
        _DIGESTS[key] = known
    return known


def _describe_file(path: Path) -> SourceFile:
    modified = datetime.fromtimestamp(int(path.stat().st_mtime), tz=timezone.utc)
    with path.open("rb") as handle:
        head = handle.read(_PEEK_BYTES).lstrip(_BLANK)
        # A file of only whitespace is as empty as one of no bytes.
        while not head:
            chunk = handle.read(_PEEK_BYTES)
            if not chunk:
                break
            head = chunk.lstrip(_BLANK)
    resolved = path.resolve()
    return SourceFile(
        resolved, modified, head.startswith(b"["), not head, file_digest(resolved)
    )


def _read_json_lines(spark: SparkSession, files: list[SourceFile]) -> DataFrame:
    frame = spark.read.text([str(f.path) for f in files])
    # _metadata.file_path is a URI (file:/...); keep the plain local path.
    # url_decode is form decoding ("+" -> " "), so protect literal plus signs first.
    uri = F.regexp_replace("_metadata.file_path", "^file:(//)?", "")
    path = F.url_decode(F.regexp_replace(uri, r"\+", "%2B"))
    modified = F.to_timestamp(
        F.date_trunc("second", F.col("_metadata.file_modification_time"))
    )
    # A lookup on the file's path, so a filter on delivery_id still prunes files
    # before they are read.
    digests = F.create_map(
        *[F.lit(value) for f in files for value in (str(f.path), f.digest)]
    )
    return frame.where(F.trim("value") != "").select(
        path.alias("source_file"),
        F.element_at(digests, path).alias("delivery_id"),
        modified.alias("file_modified_at"),
        F.col("value").alias("record"),
    )


def _array_records(file: SourceFile) -> list[tuple[str, str, datetime, str]]:
    """Elements of a top-level JSON array; an unparseable rest is one bad record."""
    text = file.path.read_text(encoding="utf-8-sig", errors="replace")
    source, digest, when = str(file.path), file.digest, file.modified_at
    position = text.index("[") + 1
    rows: list[tuple[str, str, datetime, str]] = []
    end = position
    while True:
        position = _skip(text, position, " \t\r\n,")
        if position >= len(text):
            # No closing "]": the file was cut. Its unparsed tail (possibly empty)
            # is one bad record, so the truncation is visible in the quarantine.
            rows.append((source, digest, when, text[end:].strip()))
            return rows
        if text[position] == "]":
            if text[position:].strip() != "]":
                rows.append((source, digest, when, text[position + 1 :].strip()))
            return rows
        try:
            _, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError:
            rows.append((source, digest, when, text[position:].strip()))
            return rows
        # The element's own text, unchanged (escapes, spacing and all).
        rows.append((source, digest, when, text[position:end]))
        position = end


def _head_elements(text: str) -> list[str]:
    """The complete elements at the start of a (possibly cut) top-level array."""
    elements: list[str] = []
    position = text.find("[") + 1
    while 0 < position < len(text):
        position = _skip(text, position, " \t\r\n,")
        try:
            value, position = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError:
            break
        elements.append(json.dumps(value, ensure_ascii=False))
    return elements


def _skip(text: str, position: int, chars: str) -> int:
    while position < len(text) and text[position] in chars:
        position += 1
    return position
