"""The bundled sample's expected figures, computed in plain Python from its JSON.

An independent implementation of the grain rules, shared by the end-to-end tests
(``test_run.py``, ``test_environments.py``) so that they assert exact row counts
without reading them back from Spark.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "01_raw"


def _records(source: str) -> list[dict[str, Any]]:
    lines = (SAMPLE / f"{source}.json").read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip()]


def _id(value: object) -> str | None:
    return None if value is None else str(value).strip() or None


def _event_identity(event: dict[str, Any]) -> tuple:
    return (
        _id(event["group_id"]),
        event.get("name"),
        event.get("time") // 1000 if event.get("time") is not None else None,
        event.get("description"),
    )


@cache
def expected_figures() -> dict[str, Any]:
    """Figures computed from the sample JSON in plain Python: rows per table of
    the grain rules (DESIGN §6), and a few sums."""
    events, users = _records("events"), _records("users")
    groups, venues = _records("groups"), _records("venues")
    identities = {_event_identity(e) for e in events}
    answers: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        for rsvp in event.get("rsvps") or []:
            answers[(_event_identity(event), _id(rsvp["user_id"]))].append(rsvp)
    latest = {
        pair: sorted(
            options,
            key=lambda r: (
                -r["when"],
                -(r["guests"] if r["guests"] is not None else -1),
                r["response"],
            ),
        )[0]
        for pair, options in answers.items()
    }
    known_groups = {_id(g["group_id"]) for g in groups}
    known_users = {_id(u["user_id"]) for u in users}
    known_venues = {_id(v["venue_id"]) for v in venues}
    memberships = {
        (_id(u["user_id"]), _id(m["group_id"]))
        for u in users
        for m in u.get("memberships") or []
    }
    referenced_groups = {g for _, g in memberships} | {
        _id(e["group_id"]) for e in events
    }
    referenced_users = {user for _, user in latest}
    referenced_venues = {_id(e.get("venue_id")) for e in events} - {None}
    topics = {
        (_id(g["group_id"]), t) for g in groups for t in g.get("topics") or [] if t
    }
    attendance = sum(
        (r["guests"] or 0) + 1 for r in latest.values() if r["response"] == "yes"
    )
    return {
        "events": len(identities),
        "rsvps": len(latest),
        "groups": len(known_groups),
        "users": len(known_users),
        "venues": len(known_venues),
        "memberships": len(memberships),
        "topics": len(topics),
        "dim_groups": len(known_groups | referenced_groups),
        "dim_users": len(known_users | referenced_users),
        "dim_venues": len(known_venues | referenced_venues),
        "inferred_users": len(referenced_users - known_users),
        "attending": sum(r["response"] == "yes" for r in latest.values()),
        "total_attendance": attendance,
        "raw_events": len(events),
    }
