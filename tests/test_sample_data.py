"""Tests of the deterministic Meetup-shaped sample generator.

The generator feeds the raw layer, so these tests pin what the raw layer relies on:
determinism, size, the field names of DESIGN.md section 5, every deliberate kind of
mess, the batch layout with re-deliveries, and records that are otherwise valid.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from motors_meetup.sample_data import SOURCES, generate, main, source_files

Record = dict[str, Any]

EVENT_FIELDS = {
    "group_id",
    "name",
    "description",
    "created",
    "time",
    "duration",
    "rsvp_limit",
    "venue_id",
    "status",
    "rsvps",
}
GROUP_FIELDS = {
    "group_id",
    "name",
    "city",
    "lat",
    "lon",
    "created",
    "description",
    "link",
    "topics",
}
USER_FIELDS = {"user_id", "city", "country", "hometown", "memberships"}
VENUE_FIELDS = {"venue_id", "name", "city", "country", "lat", "lon"}
RSVP_FIELDS = {"user_id", "response", "when", "guests"}
ONE_MB = 1_000_000


def _lines(path: Path) -> list[str]:
    # Split on "\n" only: descriptions hold raw U+2028, which str.splitlines() splits.
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return text[:-1].split("\n")


def _records(path: Path) -> list[Record]:
    return [json.loads(line) for line in _lines(path)]


def _identity(event: Record) -> tuple[str, str, int | None, str | None]:
    return (str(event["group_id"]), event["name"], event["time"], event["description"])


def _by_user(event: Record) -> dict[str, list[Record]]:
    answers: dict[str, list[Record]] = defaultdict(list)
    for rsvp in event["rsvps"]:
        answers[str(rsvp["user_id"])].append(rsvp)
    return answers


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out, seed=42)


@pytest.fixture(scope="module")
def data(sample: tuple[Path, dict[str, int]]) -> dict[str, list[Record]]:
    out, _ = sample
    return {source: _records(out / f"{source}.json") for source in SOURCES}


@pytest.fixture(scope="module")
def batched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("batched")
    return out, generate(out, seed=7, batches=3)


def _file_bytes(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*.json"))
    }


# ---------------------------------------------------------------- determinism, size


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=3, batches=2)
    generate(tmp_path / "b", seed=3, batches=2)
    first, second = _file_bytes(tmp_path / "a"), _file_bytes(tmp_path / "b")
    assert first == second
    assert len(first) == 2 * len(SOURCES)


def test_different_seed_gives_different_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=1)
    generate(tmp_path / "b", seed=2)
    first, second = _file_bytes(tmp_path / "a"), _file_bytes(tmp_path / "b")
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)


def test_start_ms_moves_the_timeline(tmp_path: Path) -> None:
    start = 1_600_000_000_000
    generate(tmp_path, seed=1, scale=0.2, start_ms=start)
    created = [e["created"] for e in _records(tmp_path / "events.json")]
    assert start <= min(created)
    assert max(created) < start + 366 * 86_400_000


def test_scale_one_is_well_under_one_megabyte(
    sample: tuple[Path, dict[str, int]],
) -> None:
    out, counts = sample
    total = sum((out / f"{source}.json").stat().st_size for source in SOURCES)
    assert 200_000 < total < ONE_MB * 0.7
    assert counts["groups"] == 40
    assert counts["users"] == 300
    assert counts["venues"] == 30
    assert 380 <= counts["events"] <= 450
    assert 2_000 <= counts["rsvps"] <= 4_000


def test_counts_scale_linearly(tmp_path: Path) -> None:
    counts = generate(tmp_path, scale=2.0)
    assert counts["groups"] == 80
    assert counts["users"] == 600
    assert counts["venues"] == 60
    assert 760 <= counts["events"] <= 900


def test_returned_counts_match_the_files(
    sample: tuple[Path, dict[str, int]], data: dict[str, list[Record]]
) -> None:
    _, counts = sample
    for source in SOURCES:
        assert counts[source] == len(data[source])
    assert counts["rsvps"] == sum(len(e["rsvps"]) for e in data["events"])


def test_files_are_utf8_json_lines_without_ascii_escapes(
    sample: tuple[Path, dict[str, int]],
) -> None:
    out, _ = sample
    text = (out / "events.json").read_text(encoding="utf-8")
    assert "\\u00" not in text  # ensure_ascii=False: non-ASCII is written as is
    assert "ü" in text


# ------------------------------------------------------------------ shape, validity


def test_field_names_are_meetups(data: dict[str, list[Record]]) -> None:
    for event in data["events"]:
        assert set(event) in (EVENT_FIELDS, EVENT_FIELDS - {"venue_id"})
        assert all(set(rsvp) == RSVP_FIELDS for rsvp in event["rsvps"])
    assert all(set(g) == GROUP_FIELDS for g in data["groups"])
    assert all(set(u) == USER_FIELDS for u in data["users"])
    assert all(set(v) == VENUE_FIELDS for v in data["venues"])
    for user in data["users"]:
        assert all(set(m) == {"group_id", "joined"} for m in user["memberships"])


def test_records_are_otherwise_valid(data: dict[str, list[Record]]) -> None:
    for event in data["events"]:
        assert event["group_id"] is not None
        assert isinstance(event["created"], int)
        assert event["duration"] is None or event["duration"] >= 0
        assert event["time"] is None or event["time"] > event["created"]
        for rsvp in event["rsvps"]:
            assert rsvp["user_id"] is not None
            assert isinstance(rsvp["when"], int)
            assert rsvp["guests"] is None or rsvp["guests"] >= 0
    for group in data["groups"]:
        assert group["name"]
        assert isinstance(group["created"], int)


def test_ids_are_unique_within_a_file(data: dict[str, list[Record]]) -> None:
    for source, key in (("groups", "group_id"), ("users", "user_id")):
        ids = [str(r[key]) for r in data[source]]
        assert len(ids) == len(set(ids))
    venue_ids = [str(v["venue_id"]) for v in data["venues"]]
    assert len(venue_ids) == len(set(venue_ids))


# ---------------------------------------------------------------------------- mess


def test_ids_come_as_numbers_and_as_strings(data: dict[str, list[Record]]) -> None:
    forms: dict[str, set[type]] = defaultdict(set)
    group_ids = [g["group_id"] for g in data["groups"]]
    group_ids += [e["group_id"] for e in data["events"]]
    group_ids += [m["group_id"] for u in data["users"] for m in u["memberships"]]
    for value in group_ids:
        forms[str(value)].add(type(value))
    assert any(types == {int, str} for types in forms.values())
    for source, key in (("users", "user_id"), ("venues", "venue_id")):
        assert {type(r[key]) for r in data[source]} == {int, str}
    user_ids = {type(r["user_id"]) for e in data["events"] for r in e["rsvps"]}
    assert user_ids == {int, str}


@pytest.mark.parametrize(
    "fragment",
    [
        "&amp;",
        "&nbsp;",
        "&#39;",
        "&eacute;",
        "&amp;lt;",
        "&lt;b&gt;",
        "&#x2019;",
        "<p>",
        "<br>",
        "<br />",
        "<b>",
        '<a href="',
        "<script>",
        "<style>",
        "<li>",
        "<h2>",
        "\u00a0",
        "\u2028",
        "\t",
        "\r",
        "\n",
        "ü",
        "データ",
    ],
)
def test_event_descriptions_carry_html_mess(
    data: dict[str, list[Record]], fragment: str
) -> None:
    descriptions = [e["description"] or "" for e in data["events"]]
    assert sum(fragment in d for d in descriptions) >= 2


def test_some_descriptions_repeat_a_paragraph(data: dict[str, list[Record]]) -> None:
    repeated = 0
    for event in data["events"]:
        paragraphs = re.findall(r"<p>(.*?)</p>", event["description"] or "")
        repeated += len(paragraphs) != len(set(paragraphs))
    assert repeated >= 2


def test_some_descriptions_are_null_empty_or_blank(
    data: dict[str, list[Record]],
) -> None:
    descriptions = [e["description"] for e in data["events"]]
    assert None in descriptions
    assert "" in descriptions
    assert any(d and not d.strip() for d in descriptions)
    markup_only = {"<p>&nbsp;</p>", "<p></p><br>", "<script>x()</script>"}
    assert markup_only & set(descriptions)
    assert None in [g["description"] for g in data["groups"]]


def test_some_event_records_are_exact_copies(
    sample: tuple[Path, dict[str, int]],
) -> None:
    out, _ = sample
    copies = Counter(_lines(out / "events.json"))
    assert sum(n > 1 for n in copies.values()) >= 2


def test_some_events_have_a_later_version_with_more_rsvps(
    data: dict[str, list[Record]],
) -> None:
    versions: dict[tuple[Any, ...], list[Record]] = defaultdict(list)
    for event in data["events"]:
        versions[_identity(event)].append(event)
    later = 0
    for records in versions.values():
        created = sorted({r["created"] for r in records})
        if len(created) > 1:
            first = min(records, key=lambda r: r["created"])
            last = max(records, key=lambda r: r["created"])
            assert len(last["rsvps"]) > len(first["rsvps"])
            assert all(r in last["rsvps"] for r in first["rsvps"])
            later += 1
    assert later >= 2


def test_some_events_recur(data: dict[str, list[Record]]) -> None:
    times: dict[tuple[str, str], set[int | None]] = defaultdict(set)
    for event in data["events"]:
        times[(str(event["group_id"]), event["name"])].add(event["time"])
    assert sum(len(t) > 1 for t in times.values()) >= 5


def test_some_users_answer_an_event_twice(data: dict[str, list[Record]]) -> None:
    twice = changed = 0
    for event in data["events"]:
        for answers in _by_user(event).values():
            if len({a["when"] for a in answers}) > 1:
                twice += 1
                changed += len({a["response"] for a in answers}) > 1
    assert twice >= 5
    assert changed >= 1


def test_some_rsvps_are_by_unknown_users(data: dict[str, list[Record]]) -> None:
    known = {str(u["user_id"]) for u in data["users"]}
    rsvp_users = {str(r["user_id"]) for e in data["events"] for r in e["rsvps"]}
    assert len(rsvp_users - known) >= 3


def test_venue_ids_are_null_absent_unknown_or_known(
    data: dict[str, list[Record]],
) -> None:
    known = {str(v["venue_id"]) for v in data["venues"]}
    events = data["events"]
    assert sum("venue_id" not in e for e in events) >= 2
    assert sum("venue_id" in e and e["venue_id"] is None for e in events) >= 2
    venue_ids = [str(e["venue_id"]) for e in events if e.get("venue_id") is not None]
    assert sum(v not in known for v in venue_ids) >= 2
    assert sum(v in known for v in venue_ids) >= len(events) // 2


def test_rsvp_limits_are_null_zero_or_positive(data: dict[str, list[Record]]) -> None:
    limits = [e["rsvp_limit"] for e in data["events"]]
    assert None in limits
    assert 0 in limits
    assert any(limit and limit > 0 for limit in limits)


def test_responses_and_guests_cover_every_value(data: dict[str, list[Record]]) -> None:
    rsvps = [r for e in data["events"] for r in e["rsvps"]]
    assert {r["response"] for r in rsvps} == {"yes", "no", "waitlist"}
    assert {r["guests"] for r in rsvps} == {None, 0, 1, 2, 3}


def test_statuses_cover_every_value(data: dict[str, list[Record]]) -> None:
    statuses = {e["status"] for e in data["events"]}
    assert statuses == {"past", "upcoming", "cancelled", "proposed", "suggested"}


def test_a_few_events_have_no_start_time(data: dict[str, list[Record]]) -> None:
    assert 1 <= sum(e["time"] is None for e in data["events"]) <= 20


def test_some_durations_are_null(data: dict[str, list[Record]]) -> None:
    assert any(e["duration"] is None for e in data["events"])


def test_some_events_belong_to_unknown_groups(data: dict[str, list[Record]]) -> None:
    known = {str(g["group_id"]) for g in data["groups"]}
    assert any(str(e["group_id"]) not in known for e in data["events"])


def test_membership_mess(data: dict[str, list[Record]]) -> None:
    created = {str(g["group_id"]): g["created"] for g in data["groups"]}
    repeated = unknown = early = empty = 0
    for user in data["users"]:
        memberships = user["memberships"]
        empty += not memberships
        joined: dict[str, set[int]] = defaultdict(set)
        for membership in memberships:
            group_id = str(membership["group_id"])
            joined[group_id].add(membership["joined"])
            unknown += group_id not in created
            early += membership["joined"] < created.get(group_id, -1)
        repeated += any(len(times) > 1 for times in joined.values())
    assert repeated >= 3
    assert unknown >= 3
    assert 1 <= early <= 20
    assert empty >= 1


def test_topic_mess(data: dict[str, list[Record]]) -> None:
    topics = [g["topics"] for g in data["groups"]]
    assert None in topics
    assert [] in topics
    assert any(t and len(t) != len(set(t)) for t in topics)


# ------------------------------------------------------------------------- batches


def test_batches_write_one_file_per_source_and_batch(
    batched: tuple[Path, dict[str, int]],
) -> None:
    out, counts = batched
    for source in SOURCES:
        names = sorted(p.name for p in (out / source).iterdir())
        assert names == ["batch_0001.json", "batch_0002.json", "batch_0003.json"]
        assert not (out / f"{source}.json").exists()
        files = source_files(out, source, batches=3)
        assert counts[source] == sum(len(_lines(path)) for path in files)
    events = [e for p in source_files(out, "events", 3) for e in _records(p)]
    assert counts["rsvps"] == sum(len(e["rsvps"]) for e in events)


def _batch(out: Path, source: str, number: int) -> list[Record]:
    return _records(out / source / f"batch_{number:04d}.json")


def test_later_batches_re_export_events_with_changes(
    batched: tuple[Path, dict[str, int]],
) -> None:
    out, _ = batched
    first: dict[tuple[Any, ...], Record] = {}
    for event in _batch(out, "events", 1):  # the latest version of each event
        before = first.get(_identity(event))
        if before is None or event["created"] > before["created"]:
            first[_identity(event)] = event
    more_rsvps = new_status = new_answer = new_events = 0
    for event in _batch(out, "events", 2) + _batch(out, "events", 3):
        before = first.get(_identity(event))
        if before is None:
            new_events += 1
            continue
        old = {json.dumps(r, sort_keys=True) for r in before["rsvps"]}
        assert old <= {json.dumps(r, sort_keys=True) for r in event["rsvps"]}
        assert event["created"] >= before["created"]
        more_rsvps += len(event["rsvps"]) > len(before["rsvps"])
        new_status += event["status"] != before["status"]
        old_answers, answers = _by_user(before), _by_user(event)
        new_answer += any(len(answers[u]) > len(a) for u, a in old_answers.items())
    assert new_events >= 100
    assert more_rsvps >= 5
    assert new_status >= 2
    assert new_answer >= 2


def test_later_batches_re_deliver_users_with_membership_changes(
    batched: tuple[Path, dict[str, int]],
) -> None:
    out, _ = batched
    first = {str(u["user_id"]): u for u in _batch(out, "users", 1)}
    new_group = rejoined = left = new_users = 0
    for user in _batch(out, "users", 2):
        before = first.get(str(user["user_id"]))
        if before is None:
            new_users += 1
            continue
        old = {str(m["group_id"]): m["joined"] for m in before["memberships"]}
        now = {str(m["group_id"]): m["joined"] for m in user["memberships"]}
        gone = old.keys() - now.keys()
        # A re-delivery carries every membership but at most one the user left,
        # and never leaves them without one.
        assert len(gone) <= 1
        assert now
        new_group += bool(now.keys() - old.keys())
        rejoined += any(now[g] > old[g] for g in old.keys() & now.keys())
        left += bool(gone)
    assert new_users >= 50
    assert new_group >= 1
    assert rejoined >= 1
    assert left >= 1


def test_later_batches_rename_venues_and_add_new_ones(
    batched: tuple[Path, dict[str, int]],
) -> None:
    out, _ = batched
    first = {str(v["venue_id"]): v for v in _batch(out, "venues", 1)}
    later = _batch(out, "venues", 2) + _batch(out, "venues", 3)
    renamed = [v for v in later if str(v["venue_id"]) in first]
    assert renamed
    assert all(v["name"] != first[str(v["venue_id"])]["name"] for v in renamed)
    assert any(str(v["venue_id"]) not in first for v in later)


def test_later_batches_add_new_groups(batched: tuple[Path, dict[str, int]]) -> None:
    out, _ = batched
    first = {str(g["group_id"]) for g in _batch(out, "groups", 1)}
    assert any(str(g["group_id"]) not in first for g in _batch(out, "groups", 3))


def test_ids_are_unique_within_each_batch(batched: tuple[Path, dict[str, int]]) -> None:
    out, _ = batched
    for source, key in (
        ("groups", "group_id"),
        ("users", "user_id"),
        ("venues", "venue_id"),
    ):
        for number in (1, 2, 3):
            ids = [str(r[key]) for r in _batch(out, source, number)]
            assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("scale", "batches"), [(0.01, 1), (0.02, 4), (0.3, 12)])
def test_tiny_scales_and_many_batches_still_work(
    tmp_path: Path, scale: float, batches: int
) -> None:
    counts = generate(tmp_path, scale=scale, batches=batches)
    for source in SOURCES:
        files = source_files(tmp_path, source, batches)
        assert counts[source] == sum(len(_lines(path)) for path in files)


def test_invalid_arguments_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, scale=0)
    with pytest.raises(ValueError, match="batches"):
        generate(tmp_path, batches=0)


# ----------------------------------------------------------------------------- CLI


def test_cli_prints_one_line_per_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["--out", str(tmp_path), "--seed", "5", "--scale", "0.1", "--batches", "2"])
    lines = capsys.readouterr().out.splitlines()
    for source in SOURCES:
        line = next(line for line in lines if line.startswith(source))
        assert "records" in line
        assert "bytes" in line
    assert (tmp_path / "events" / "batch_0002.json").exists()
