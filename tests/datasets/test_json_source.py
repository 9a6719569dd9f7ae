"""``JsonSourceDataset``: every record of a source as text, with its file.

Files are written by hand in ``tmp_path`` with a fixed modification time, so the
expected rows (``source_file``, ``delivery_id``, ``file_modified_at``, ``record``)
are exact; ``delivery_id`` is the md5 of the bytes written.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from kedro.io import DatasetError
from pyspark.sql import SparkSession

from motors_meetup.datasets.json_source import JsonSourceDataset

# 2017-06-01 00:00:00.700 UTC: the delivery time is kept to the whole second.
MTIME = 1496275200.7
DELIVERED = datetime(2017, 6, 1)


def write(path: Path, text: str) -> tuple[str, str]:
    """Write ``text``; the file's (path, md5 of its bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (MTIME, MTIME))
    return str(path.resolve()), hashlib.md5(text.encode("utf-8")).hexdigest()


def load(input_dir: Path, source: str) -> list[tuple[str, str, datetime, str]]:
    frame = JsonSourceDataset(input_dir=str(input_dir), source=source).load()
    assert frame.columns == ["source_file", "delivery_id", "file_modified_at", "record"]
    return sorted(tuple(row) for row in frame.collect())


def test_json_lines_file_gives_one_record_per_non_blank_line(
    spark: SparkSession, tmp_path: Path
) -> None:
    file = write(
        tmp_path / "events.json",
        '{"group_id": 1}\n\n   \n{"group_id": "2", "name": "Café"}\nnot json\n',
    )

    # A line that is not JSON is still a record: the raw layer quarantines it.
    assert load(tmp_path, "events") == [
        (*file, DELIVERED, "not json"),
        (*file, DELIVERED, '{"group_id": "2", "name": "Café"}'),
        (*file, DELIVERED, '{"group_id": 1}'),
    ]


def test_top_level_array_file_gives_one_record_per_element(
    spark: SparkSession, tmp_path: Path
) -> None:
    file = write(
        tmp_path / "groups.json",
        '\ufeff  [\n  {"group_id": 1, "topics": ["a", "b"]},\n'
        '  {"group_id": "2", "name": "Café"}\n]\n',
    )

    assert load(tmp_path, "groups") == [
        (*file, DELIVERED, '{"group_id": "2", "name": "Café"}'),
        (*file, DELIVERED, '{"group_id": 1, "topics": ["a", "b"]}'),
    ]


def test_folder_of_files_reads_every_json_file_in_it(
    spark: SparkSession, tmp_path: Path
) -> None:
    lines = write(tmp_path / "users" / "2017-06-01.json", '{"user_id": 1}\n')
    array = write(tmp_path / "users" / "2017-06-02.json", '[{"user_id": 2}]')
    write(tmp_path / "users" / "notes.txt", '{"user_id": 3}\n')

    assert load(tmp_path, "users") == [
        (*lines, DELIVERED, '{"user_id": 1}'),
        (*array, DELIVERED, '{"user_id": 2}'),
    ]


def test_truncated_array_gives_the_parsed_elements_plus_one_bad_record(
    spark: SparkSession, tmp_path: Path
) -> None:
    file = write(
        tmp_path / "venues.json",
        '[{"venue_id": 1}, {"venue_id": 2},\n {"venue_id": 3, "name": "Gar',
    )

    assert load(tmp_path, "venues") == [
        (*file, DELIVERED, '{"venue_id": 1}'),
        (*file, DELIVERED, '{"venue_id": 2}'),
        (*file, DELIVERED, '{"venue_id": 3, "name": "Gar'),
    ]


def test_missing_source_raises_dataset_error_naming_the_expected_paths(
    tmp_path: Path,
) -> None:
    dataset = JsonSourceDataset(input_dir=str(tmp_path), source="venues")

    assert not dataset.exists()
    with pytest.raises(DatasetError) as error:
        dataset.load()
    assert str(tmp_path / "venues.json") in str(error.value)
    assert str(tmp_path / "venues") in str(error.value)


def test_empty_file_raises_dataset_error(tmp_path: Path) -> None:
    file, _ = write(tmp_path / "events.json", "")

    with pytest.raises(DatasetError, match="empty") as error:
        JsonSourceDataset(input_dir=str(tmp_path), source="events").load()
    assert file in str(error.value)


def test_source_is_read_only(tmp_path: Path) -> None:
    write(tmp_path / "events.json", '{"group_id": 1}\n')

    with pytest.raises(DatasetError, match="read-only"):
        JsonSourceDataset(input_dir=str(tmp_path), source="events").save("{}")


def test_array_truncated_after_a_comma_still_gives_one_bad_record(
    spark: SparkSession, tmp_path: Path
) -> None:
    file = write(tmp_path / "venues.json", '[{"venue_id": 1},\n')

    # The parsed element plus one bad record (whatever its text) for the cut tail.
    rows = load(tmp_path, "venues")
    assert (*file, DELIVERED, '{"venue_id": 1}') in rows
    assert len(rows) == 2


def test_source_file_is_the_real_path_when_a_folder_name_has_a_plus(
    spark: SparkSession, tmp_path: Path
) -> None:
    file = write(tmp_path / "c++" / "events.json", '{"group_id": 1}\n')

    assert load(tmp_path / "c++", "events") == [(*file, DELIVERED, '{"group_id": 1}')]


def test_a_moved_delivery_keeps_its_delivery_id(
    spark: SparkSession, tmp_path: Path
) -> None:
    path, digest = write(tmp_path / "drop" / "events" / "b1.json", '{"group_id": 1}\n')
    shutil.copytree(tmp_path / "drop", tmp_path / "moved", copy_function=shutil.copy2)

    (moved,) = load(tmp_path / "moved", "events")
    assert moved[0] != path
    assert moved[1:] == (digest, DELIVERED, '{"group_id": 1}')


def test_a_second_copy_of_a_delivery_is_read_once_with_a_warning(
    spark: SparkSession, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = write(tmp_path / "users" / "a.json", '{"user_id": 1}\n')
    copy, _ = write(tmp_path / "users" / "b.json", '{"user_id": 1}\n')
    other = write(tmp_path / "users" / "c.json", '[{"user_id": 2}]')

    with caplog.at_level(logging.WARNING):
        rows = load(tmp_path, "users")

    assert rows == [
        (*first, DELIVERED, '{"user_id": 1}'),
        (*other, DELIVERED, '{"user_id": 2}'),
    ]
    assert f"{copy} has the same content as {first[0]}: read once" in caplog.text
