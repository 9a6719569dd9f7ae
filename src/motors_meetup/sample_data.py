"""Deterministic generator of Meetup-shaped JSON exports (DESIGN.md section 5).

It writes the four raw sources ``events``, ``groups``, ``users`` and ``venues`` as
JSON lines, with the mess that real Meetup exports carry: ids that are numbers in one
place and strings in another, HTML descriptions full of entities and markup, duplicate
and re-versioned event records, recurring events, users answering twice, references
to groups, users and venues that the exports lack, and so on. Every kind of mess is
placed deliberately (a fixed share of the records, at least one), so each appears at
``scale=1`` whatever the seed.

With ``batches > 1`` the output is a sequence of deliveries, one file per source and
batch, and later batches re-deliver entities with changes (more RSVPs, a new status,
a renamed venue, a new, renewed or dropped membership), the way an incremental
export would.

Everything comes from one ``random.Random(seed)``: the same arguments give
byte-identical files. Records are written one line at a time, so large scales stream
to disk.

Usage::

    python -m motors_meetup.sample_data --out data/01_raw --seed 42
"""

from __future__ import annotations

import argparse
import json
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

SOURCES = ("events", "groups", "users", "venues")
BATCH_FILE_TEMPLATE = "batch_{:04d}.json"
JSON_SEPARATORS = (",", ":")  # compact, as the Meetup API returns it

DEFAULT_SEED = 42
DEFAULT_SCALE = 1.0
DEFAULT_START_MS = 1_483_228_800_000  # 2017-01-01T00:00:00Z

SECOND_MS = 1_000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
YEAR_MS = 365 * DAY_MS

# Entity counts at scale 1 (they grow linearly with the scale).
BASE_GROUPS = 40
BASE_USERS = 300
BASE_VENUES = 30
BASE_EVENTS = 380  # distinct event occurrences; duplicate records come on top
# Ids the exports reference but never deliver, as a share of the known ids.
UNKNOWN_GROUP_SHARE = 0.1
UNKNOWN_USER_SHARE = 0.05
UNKNOWN_VENUE_SHARE = 0.1
MIN_UNKNOWN_IDS = 3

# Id ranges (disjoint per entity kind is not required; within a kind ids are unique).
GROUP_ID_RANGE = (1_000_000, 40_000_000)
USER_ID_RANGE = (1_000_000, 300_000_000)
VENUE_ID_RANGE = (10_000, 30_000_000)
ID_AS_STRING_RATE = 0.2

# Time shape.
GROUP_HISTORY_MS = 3 * YEAR_MS  # groups of the first batch are up to 3 years old
MAX_EVENT_LEAD_MS = 60 * DAY_MS  # event start is 1 to 60 days after its creation
TIME_GRAIN_MS = 30 * MINUTE_MS
EVENT_DURATIONS_MIN = (60, 90, 120, 150, 180, 240)
SERIES_INTERVALS_MS = (WEEK_MS, 2 * WEEK_MS, 4 * WEEK_MS)
MAX_SERIES_LENGTH = 4
EARLY_ADOPTER_WINDOW_MS = 30 * DAY_MS
MAX_JOIN_BEFORE_CREATION_MS = 90 * DAY_MS

# Popularity: the i-th group or venue is picked with weight 1 / (i + 1) ** exponent.
POPULARITY_EXPONENT = 0.9

# RSVPs.
MEAN_RSVPS_PER_EVENT = 8.0
MAX_RSVPS_PER_EVENT = 60
RESPONSES = ("yes", "no", "waitlist")
RESPONSE_WEIGHTS = (70, 20, 10)
GUEST_COUNTS = (0, 1, 2, 3)
GUEST_WEIGHTS = (70, 18, 8, 4)
NULL_GUESTS_RATE = 0.03
UNKNOWN_RSVP_USER_RATE = 0.03
MEMBER_RSVP_RATE = 0.7
LATE_RSVP_RATE = 0.03
CHANGED_ANSWER_RATE = 0.6
USER_DRAW_ATTEMPTS = 4
MAX_VERSION_EXTRA_RSVPS = 4
MAX_REDELIVERY_EXTRA_RSVPS = 5
RSVP_LIMIT_CHOICES = (None, 0, 10, 20, 30, 50, 80, 100, 150)
RSVP_LIMIT_WEIGHTS = (40, 8, 8, 10, 10, 10, 6, 5, 3)

# Memberships.
MEAN_EXTRA_MEMBERSHIPS = 2.5
MAX_MEMBERSHIPS = 12
EARLY_ADOPTER_RATE = 0.15

# Shares of records that carry each deliberate mess (at least one record each).
GROUP_TOPIC_MARKS = {"topics_empty": 0.05, "topics_null": 0.05, "topics_dup": 0.08}
GROUP_DESCRIPTION_MARKS = {"description_null": 0.05}
USER_MARKS = {
    "no_membership": 0.03,
    "repeated_membership": 0.05,
    "unknown_group": 0.05,
    "joined_before_created": 0.015,
}
EVENT_UNIT_MARKS = {
    "description_null": 0.03,
    "description_empty": 0.02,
    "description_blank": 0.01,
    "description_markup_only": 0.01,
    "unknown_group": 0.01,
}
EVENT_NULL_TIME_MARKS = {"null_time": 0.015}
EVENT_VENUE_MARKS = {"venue_null": 0.06, "venue_absent": 0.04, "venue_unknown": 0.04}
EVENT_STATUS_MARKS = {"cancelled": 0.06, "proposed": 0.02, "suggested": 0.02}
EVENT_COPY_MARKS = {"exact_duplicate": 0.02, "later_version": 0.03}
EVENT_RSVP_MARKS = {"double_answer": 0.08, "unknown_user": 0.03}
EVENT_DURATION_MARKS = {"null_duration": 0.02}
RECURRING_RATE = 0.12

# Re-deliveries in batches after the first.
CANDIDATE_RATE = 0.3  # share of events kept in memory as re-delivery candidates
EVENT_REDELIVERY_RATE = 0.15  # of the batch's new events
STATUS_CHANGE_SHARE = 4  # one in this many event re-deliveries changes the status
USER_REDELIVERY_RATE = 0.1  # of the users delivered before
GROUP_REDELIVERY_RATE = 0.05
VENUE_RENAME_RATE = 0.1
MIN_REDELIVERIES = 2
EVENT_REDELIVERY_MODES = ("more_rsvps", "re_answer", "bumped")
USER_REDELIVERY_MODES = ("new_membership", "rejoin", "moved", "left")
CHANGEABLE_STATUSES = ("upcoming", "proposed", "suggested")

HOMETOWN_KINDS = ("null", "empty", "same", "other")
HOMETOWN_WEIGHTS = (15, 5, 45, 35)


@dataclass(frozen=True)
class City:
    """A city the generated groups, venues and users live in."""

    name: str
    country: str
    lat: float
    lon: float


CITIES = (
    City("Berlin", "de", 52.520008, 13.404954),
    City("München", "de", 48.137154, 11.576124),
    City("Zürich", "ch", 47.376887, 8.541694),
    City("São Paulo", "br", -23.55052, -46.633308),
    City("Kraków", "pl", 50.064651, 19.944981),
    City("Montréal", "ca", 45.501689, -73.567256),
    City("Reykjavík", "is", 64.146582, -21.942635),
    City("Malmö", "se", 55.604981, 13.003822),
    City("Amsterdam", "nl", 52.367573, 4.904139),
    City("London", "gb", 51.507351, -0.127758),
    City("New York", "us", 40.712776, -74.005974),
    City("San Francisco", "us", 37.774929, -122.419416),
    City("København", "dk", 55.676098, 12.568337),
    City("Tōkyō", "jp", 35.689487, 139.691711),
)
COORDINATE_JITTER = 0.05
COORDINATE_DIGITS = 6

TOPICS = (
    "Apache Spark",
    "Big Data",
    "Data Engineering",
    "Machine Learning",
    "Python",
    "Delta Lake",
    "Kedro",
    "dbt",
    "Power BI",
    "Data Visualization",
    "Cloud Computing",
    "Databricks",
    "Open Source",
    "Analytics",
    "Künstliche Intelligenz",
    "Ciência de Dados",
)
MAX_EXTRA_TOPICS = 4
GROUP_SUFFIXES = ("Meetup", "User Group", "Community", "Enthusiasts", "Stammtisch")
EVENT_NAME_TEMPLATES = (
    "{topic} Night",
    "Monthly {topic} Meetup",
    "Intro to {topic}",
    "{topic} Workshop: Hands-on",
    "{topic} Lightning Talks",
    "Café & Code: {topic}",
    "{topic} Stammtisch",
    "{topic} — édition {n}",
)
VENUE_NAMES = (
    "Café Müller",
    "Impact Hub",
    "WeWork Friedrichstraße",
    "Factory Campus",
    "Brauhaus Süd",
    "The Loft",
    "Co-Lab",
    "Biblioteca Mário de Andrade",
    "Tech Hub Nørrebro",
    "Kulturhaus",
    "Hackerspace",
    "Digital Garage",
)
RENAME_SUFFIXES = ("2nd floor", "new entrance", "Annex", "(formerly Co-Lab)")
SPONSORS = ("Databricks", "QuantumBlack", "Zalando", "Nubank", "Spotify", "Adyen")
TALK_TITLES = (
    "Delta Lake time travel in practice",
    "Kedro pipelines at scale",
    "From dbt to Spark: a migration story",
    "Power BI on a star schema",
    "Streaming joins without tears",
    "Testing data with pandera",
    "Große Daten, kleine Cluster",
    "Análise de dados com PySpark",
)
SENTENCES = (
    "Join us for an evening of talks about {topic} in {city}.",
    "Doors open at 18:30, talks start at 19:00.",
    "Talk {n}: {title}.",
    "Our friends at {sponsor} are hosting us this time.",
    "Please RSVP only if you can really make it, space is limited.",
    "Beginners are very welcome, no prior experience needed.",
    "Slides and recordings will be shared after the event.",
)
NON_ASCII_SENTENCES = (
    "Wir freuen uns auf euch in {city}! Grüße vom Orga-Team.",
    "Após as palestras, happy hour no bar ao lado — até lá!",
    "Speakers: Zoë Ångström and José Müller from Łódź.",
    "データエンジニアリングの勉強会です。",
    "Café, crème brûlée & smørrebrød for everyone 🍕",
)
# Fragments that each put one HTML feature into a paragraph.
INLINE_FEATURES = {
    "entity_amp": "Food &amp; drinks are on us.",
    "entity_nbsp": "Start:&nbsp;19:00&nbsp;sharp.",
    "entity_apos": "We&#39;ll have two talks and it&#39;s free.",
    "entity_eacute": "Meet us at the caf&eacute; on the ground floor.",
    "double_escaped": "Use &amp;lt;code&amp;gt; blocks in your slides.",
    "escaped_tag": "Write &lt;b&gt;bold&lt;/b&gt; text in the chat.",
    "numeric_entity": "Let&#x2019;s meet again &#8211; same place.",
    "bold": "<b>Important:</b> bring your ID.",
    "link": (
        'Details on <a href="https://example.com/agenda?x=1&amp;y=2">'
        "our agenda page</a>."
    ),
    "raw_nbsp": "Doors\u00a0open\u00a0at\u00a018:00.",
    "line_separator": "First line\u2028second line.",
    "whitespace": "Tabs\tand\r\nline feeds\nin the text.",
}
BLOCK_FEATURES = {
    "script": "<script>alert('meetup');</script>",
    "style": "<style>p { color: red; }</style>",
    "list": "<ul><li>Networking</li><li>Talks</li><li>Pizza</li></ul>",
    "heading": "<h2>Agenda</h2>",
}
PARAGRAPH_WRAPPERS = {
    "p": "<p>{}</p>",
    "br": "{}<br>",
    "br_self_closing": "{}<br />",
    "div": "<div>{}</div>",
}
DESCRIPTION_FEATURES = (
    *INLINE_FEATURES,
    *BLOCK_FEATURES,
    "repeated_paragraph",
    "repeated_paragraph_other_markup",
    "non_ascii",
    "br",
)
DESCRIPTION_FEATURE_RATE = 0.08
MAX_BASE_SENTENCES = 3
BLANK_DESCRIPTIONS = ("   ", "\u00a0\n\t", " \u2028 ")
# Descriptions with markup but no text: the clean description is null.
MARKUP_ONLY_DESCRIPTIONS = ("<p>&nbsp;</p>", "<p></p><br>", "<script>x()</script>")

Record = dict[str, Any]


@dataclass
class _Group:
    """A group as generated (ids as ints; rendered to a record on delivery)."""

    group_id: int
    name: str
    city: City
    lat: float
    lon: float
    created: int
    description: str | None
    link: str
    topics: list[str] | None


@dataclass
class _Venue:
    """A venue as generated."""

    venue_id: int
    name: str
    city: City
    lat: float
    lon: float


@dataclass
class _User:
    """A user with the memberships delivered so far."""

    user_id: int
    city: City
    hometown: str | None
    memberships: list[tuple[int, int]]  # (group_id, joined ms)


@dataclass
class _Event:
    """One event version; ``rsvps`` holds rendered RSVP elements."""

    group_id: int
    name: str
    description: str | None
    created: int
    time: int | None
    duration: int | None
    rsvp_limit: int | None
    venue_id: int | None
    venue_absent: bool
    status: str
    rsvps: list[Record] = field(default_factory=list)


@dataclass(frozen=True)
class _Window:
    """One delivery: new events are created in [start, end); exported at ``end``."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class _Counts:
    """Entity counts for one run, derived from the scale."""

    groups: int
    users: int
    venues: int
    events: int

    @classmethod
    def for_scale(cls, scale: float) -> _Counts:
        """Scale the base counts linearly, keeping at least one of each."""

        def scaled(base: int) -> int:
            return max(1, round(base * scale))

        return cls(
            scaled(BASE_GROUPS),
            scaled(BASE_USERS),
            scaled(BASE_VENUES),
            scaled(BASE_EVENTS),
        )


@dataclass
class _Unit:
    """What the occurrences of one (possibly recurring) event share."""

    group_id: int
    name: str
    description: str | None
    created: int
    time: int | None
    interval: int


def source_files(out_dir: Path, source: str, batches: int = 1) -> list[Path]:
    """Return the existing files of ``source`` that ``generate`` writes."""
    if batches == 1:
        candidates = [out_dir / f"{source}.json"]
    else:
        candidates = [
            out_dir / source / BATCH_FILE_TEMPLATE.format(number)
            for number in range(1, batches + 1)
        ]
    return [path for path in candidates if path.exists()]


class _Writer:
    """Writes JSON lines per source and batch, opening a file at its first record."""

    def __init__(self, out_dir: Path, batches: int) -> None:
        self._out_dir = out_dir
        self._batches = batches
        self._batch = 0
        self._handles: dict[str, TextIO] = {}
        self.counts: dict[str, int] = dict.fromkeys((*SOURCES, "rsvps"), 0)

    def start_batch(self, number: int) -> None:
        """Close the previous batch's files and direct writes to batch ``number``."""
        self.close()
        self._batch = number
        if self._batches == 1:  # the single-file layout always has all four files
            for source in SOURCES:
                self._handle(source)

    def _path(self, source: str) -> Path:
        """File of ``source`` for the current batch."""
        if self._batches == 1:
            return self._out_dir / f"{source}.json"
        return self._out_dir / source / BATCH_FILE_TEMPLATE.format(self._batch)

    def _handle(self, source: str) -> TextIO:
        """Open file of ``source``, opened (and its folder made) on first use."""
        if source not in self._handles:
            path = self._path(source)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handles[source] = path.open("w", encoding="utf-8", newline="\n")
        return self._handles[source]

    def write(self, source: str, record: Record) -> str:
        """Write one record as a JSON line and return the line."""
        line = json.dumps(record, ensure_ascii=False, separators=JSON_SEPARATORS)
        self.write_line(source, line, len(record.get("rsvps") or ()))
        return line

    def write_line(self, source: str, line: str, rsvps: int = 0) -> None:
        """Write an already serialised record."""
        self._handle(source).write(line + "\n")
        self.counts[source] += 1
        self.counts["rsvps"] += rsvps

    def close(self) -> None:
        """Close every open file."""
        for handle in self._handles.values():
            handle.close()
        self._handles = {}


def _slug(name: str) -> str:
    """Meetup-style URL slug of a group name (ASCII words joined by '-')."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_name).split()
    return "-".join(words)


def _cumulative_weights(count: int) -> list[float]:
    """Cumulative popularity weights for ``random.choices``."""
    total = 0.0
    weights = []
    for rank in range(count):
        total += 1.0 / (rank + 1) ** POPULARITY_EXPONENT
        weights.append(total)
    return weights


def _batch_range(count: int, number: int, batches: int) -> range:
    """Indexes of the entities first delivered in batch ``number``."""
    return range(count * (number - 1) // batches, count * number // batches)


class _Generator:
    """Holds the generated world between batches and writes each batch."""

    def __init__(
        self,
        rng: random.Random,
        writer: _Writer,
        start_ms: int,
        batches: int,
        counts: _Counts,
    ) -> None:
        self.rng = rng
        self.writer = writer
        self.start_ms = start_ms
        self.batches = batches
        self.event_count = counts.events
        self.group_weights: list[float] = []
        self.venue_weights: list[float] = []
        self.groups: list[_Group] = []
        self.group_by_id: dict[int, _Group] = {}
        self.venues: list[_Venue] = []
        self.users: list[_User] = []
        self.user_ids: list[int] = []
        self.members: dict[int, list[int]] = {}
        self.candidates: list[_Event] = []
        self.identities: set[tuple[int, str, int | None, str | None]] = set()
        self.pending_duplicates: list[tuple[str, int]] = []
        self.feature_counter = 0
        self.group_ids: list[int] = []
        self.unknown_group_ids: list[int] = []
        self.user_id_pool: list[int] = []
        self.unknown_user_ids: list[int] = []
        self.venue_ids: list[int] = []
        self.unknown_venue_ids: list[int] = []
        self._allocate_ids(counts)

    # ---- ids, marks and small draws -------------------------------------------------

    def _allocate_ids(self, counts: _Counts) -> None:
        """Draw unique ids for known and referenced-but-unknown entities."""
        self.group_ids, self.unknown_group_ids = self._ids(
            GROUP_ID_RANGE, counts.groups, UNKNOWN_GROUP_SHARE
        )
        self.user_id_pool, self.unknown_user_ids = self._ids(
            USER_ID_RANGE, counts.users, UNKNOWN_USER_SHARE
        )
        self.venue_ids, self.unknown_venue_ids = self._ids(
            VENUE_ID_RANGE, counts.venues, UNKNOWN_VENUE_SHARE
        )

    def _ids(
        self, bounds: tuple[int, int], known: int, unknown_share: float
    ) -> tuple[list[int], list[int]]:
        """Draw ``known`` ids and a share of ids that are referenced but unknown."""
        unknown = max(MIN_UNKNOWN_IDS, round(known * unknown_share))
        drawn = self.rng.sample(range(*bounds), known + unknown)
        return drawn[:known], drawn[known:]

    def _id(self, value: int) -> int | str:
        """Render an id as a JSON number or, sometimes, as a string."""
        return str(value) if self.rng.random() < ID_AS_STRING_RATE else value

    def _marks(self, count: int, rates: dict[str, float]) -> dict[int, str]:
        """Give a disjoint share of ``range(count)`` each kind (at least one)."""
        wanted = [(kind, max(1, round(rate * count))) for kind, rate in rates.items()]
        indexes = self.rng.sample(range(count), min(count, sum(n for _, n in wanted)))
        marks: dict[int, str] = {}
        for kind, n in wanted:
            for index in indexes[len(marks) : len(marks) + n]:
                marks[index] = kind
        return marks

    def _coordinates(self, city: City) -> tuple[float, float]:
        """Coordinates near the city centre."""
        jitter = self.rng.uniform
        return (
            round(city.lat + jitter(-COORDINATE_JITTER, COORDINATE_JITTER), 6),
            round(city.lon + jitter(-COORDINATE_JITTER, COORDINATE_JITTER), 6),
        )

    def _guests(self) -> int | None:
        """Guest count 0..3, sometimes null."""
        if self.rng.random() < NULL_GUESTS_RATE:
            return None
        return self.rng.choices(GUEST_COUNTS, GUEST_WEIGHTS)[0]

    def _response(self, other_than: str | None = None) -> str:
        """An RSVP response; with ``other_than``, usually a different one."""
        if other_than is not None and self.rng.random() < CHANGED_ANSWER_RATE:
            return self.rng.choice([r for r in RESPONSES if r != other_than])
        return self.rng.choices(RESPONSES, RESPONSE_WEIGHTS)[0]

    # ---- descriptions ---------------------------------------------------------------

    def _description(self, context: dict[str, str]) -> str:
        """Build an HTML description with random features and one forced feature."""
        rng = self.rng
        forced = DESCRIPTION_FEATURES[self.feature_counter % len(DESCRIPTION_FEATURES)]
        self.feature_counter += 1
        features = {
            f for f in DESCRIPTION_FEATURES if rng.random() < DESCRIPTION_FEATURE_RATE
        }
        features.add(forced)
        count = rng.randint(1, MAX_BASE_SENTENCES)
        texts = [rng.choice(SENTENCES).format(**context) for _ in range(count)]
        if "non_ascii" in features:
            texts.insert(rng.randint(0, len(texts)), rng.choice(NON_ASCII_SENTENCES))
        for name, fragment in INLINE_FEATURES.items():
            if name in features:
                index = rng.randrange(len(texts))
                texts[index] = f"{texts[index]} {fragment}"
        wrapper = "br" if "br" in features else rng.choice(("p", "p", "p", "div"))
        paragraphs = [PARAGRAPH_WRAPPERS[wrapper].format(text) for text in texts]
        self._repeat_paragraph(paragraphs, texts, features)
        for name, block in BLOCK_FEATURES.items():
            if name in features:
                paragraphs.insert(rng.randint(0, len(paragraphs)), block)
        return "".join(paragraphs)

    def _repeat_paragraph(
        self, paragraphs: list[str], texts: list[str], features: set[str]
    ) -> None:
        """Repeat a paragraph verbatim and/or with different markup."""
        index = self.rng.randrange(len(texts))
        if "repeated_paragraph" in features:
            paragraphs.append(paragraphs[index])
        if "repeated_paragraph_other_markup" in features:
            paragraphs.append(
                PARAGRAPH_WRAPPERS["br_self_closing"].format(texts[index])
            )

    def _description_context(self, topic: str, city: City) -> dict[str, str]:
        """Values for the placeholders of the description sentences."""
        rng = self.rng
        return {
            "topic": topic,
            "city": city.name,
            "sponsor": rng.choice(SPONSORS),
            "title": rng.choice(TALK_TITLES),
            "n": str(rng.randint(1, 999)),
        }

    # ---- groups ---------------------------------------------------------------------

    def write_groups(self, window: _Window) -> None:
        """Write the batch's new groups, then re-deliver a few earlier ones."""
        previous = list(self.groups)
        ids = [
            self.group_ids[i]
            for i in _batch_range(len(self.group_ids), window.number, self.batches)
        ]
        topic_marks = self._marks(len(ids), GROUP_TOPIC_MARKS)
        description_marks = self._marks(len(ids), GROUP_DESCRIPTION_MARKS)
        for index, group_id in enumerate(ids):
            group = self._new_group(
                group_id, window, topic_marks.get(index), index in description_marks
            )
            self.groups.append(group)
            self.group_by_id[group_id] = group
            self.writer.write("groups", self._render_group(group))
        self.group_weights = _cumulative_weights(len(self.groups))
        if window.number > 1:
            self._redeliver_groups(previous)

    def _new_group(
        self,
        group_id: int,
        window: _Window,
        topic_mark: str | None,
        no_description: bool,
    ) -> _Group:
        """Build a group created before the window (or during the previous one)."""
        rng = self.rng
        city = rng.choice(CITIES)
        topic = rng.choice(TOPICS)
        name = f"{city.name} {topic} {rng.choice(GROUP_SUFFIXES)}"
        span = GROUP_HISTORY_MS if window.number == 1 else window.end - window.start
        created = window.start - rng.randint(DAY_MS, span)
        context = self._description_context(topic, city)
        description = None if no_description else self._description(context)
        lat, lon = self._coordinates(city)
        link = f"https://www.meetup.com/{_slug(name)}/"
        topics = self._group_topics(topic, topic_mark)
        return _Group(
            group_id, name, city, lat, lon, created, description, link, topics
        )

    def _group_topics(self, topic: str, mark: str | None) -> list[str] | None:
        """Topics of a group: a list, or empty, null or with a repeat."""
        if mark == "topics_null":
            return None
        if mark == "topics_empty":
            return []
        others = [t for t in TOPICS if t != topic]
        topics = [
            topic,
            *self.rng.sample(others, self.rng.randint(0, MAX_EXTRA_TOPICS)),
        ]
        if mark == "topics_dup":
            topics.insert(self.rng.randint(1, len(topics)), topic)
        return topics

    def _render_group(self, group: _Group) -> Record:
        """The group as the export writes it."""
        return {
            "group_id": self._id(group.group_id),
            "name": group.name,
            "city": group.city.name,
            "lat": group.lat,
            "lon": group.lon,
            "created": group.created,
            "description": group.description,
            "link": group.link,
            "topics": None if group.topics is None else list(group.topics),
        }

    def _redeliver_groups(self, previous: list[_Group]) -> None:
        """Re-deliver a few earlier groups with a topic or description edit."""
        count = min(len(previous), max(1, round(GROUP_REDELIVERY_RATE * len(previous))))
        for position, group in enumerate(self.rng.sample(previous, count)):
            if position % 2 == 0:
                missing = [t for t in TOPICS if t not in (group.topics or [])]
                group.topics = [*(group.topics or []), self.rng.choice(missing)]
            else:
                update = "<p>Update: we have a new organiser team &amp; a new logo!</p>"
                group.description = (group.description or "") + update
            self.writer.write("groups", self._render_group(group))

    # ---- venues ---------------------------------------------------------------------

    def write_venues(self, window: _Window) -> None:
        """Write the batch's new venues, then re-deliver a few renamed ones."""
        previous = list(self.venues)
        span = _batch_range(len(self.venue_ids), window.number, self.batches)
        for index in span:
            city = self.rng.choice(CITIES)
            lat, lon = self._coordinates(city)
            name = self.rng.choice(VENUE_NAMES)
            venue = _Venue(self.venue_ids[index], f"{name} {city.name}", city, lat, lon)
            self.venues.append(venue)
            self.writer.write("venues", self._render_venue(venue))
        self.venue_weights = _cumulative_weights(len(self.venues))
        if window.number > 1 and previous:
            count = min(len(previous), max(1, round(VENUE_RENAME_RATE * len(previous))))
            for venue in self.rng.sample(previous, count):
                venue.name = f"{venue.name} – {self.rng.choice(RENAME_SUFFIXES)}"
                self.writer.write("venues", self._render_venue(venue))

    def _render_venue(self, venue: _Venue) -> Record:
        """The venue as the export writes it."""
        return {
            "venue_id": self._id(venue.venue_id),
            "name": venue.name,
            "city": venue.city.name,
            "country": venue.city.country,
            "lat": venue.lat,
            "lon": venue.lon,
        }

    # ---- users and memberships ------------------------------------------------------

    def write_users(self, window: _Window) -> None:
        """Write the batch's new users, then re-deliver some earlier users."""
        previous = list(self.users)
        span = _batch_range(len(self.user_id_pool), window.number, self.batches)
        marks = self._marks(len(span), USER_MARKS)
        for position, index in enumerate(span):
            user = self._new_user(self.user_id_pool[index], window, marks.get(position))
            self.users.append(user)
            self.user_ids.append(user.user_id)
            self.writer.write("users", self._render_user(user))
        if window.number > 1 and previous:
            self._redeliver_users(previous, window)

    def _new_user(self, user_id: int, window: _Window, mark: str | None) -> _User:
        """Build a user with memberships and, if marked, one kind of mess."""
        rng = self.rng
        city = rng.choice(CITIES)
        user = _User(user_id, city, self._hometown(city), [])
        if mark != "no_membership":
            extra = int(rng.expovariate(1 / MEAN_EXTRA_MEMBERSHIPS))
            for group in self._pick_groups(1 + min(extra, MAX_MEMBERSHIPS - 1)):
                self._join(user, group, self._join_time(group, window.end))
        if mark == "repeated_membership" and user.memberships:
            group_id, joined = rng.choice(user.memberships)
            again = self._join_time(self.group_by_id[group_id], window.end)
            again = again + SECOND_MS if again == joined else again
            position = rng.randint(0, len(user.memberships))
            user.memberships.insert(position, (group_id, again))
        elif mark == "unknown_group":
            joined = rng.randint(self.start_ms - YEAR_MS, window.end)
            position = rng.randint(0, len(user.memberships))
            user.memberships.insert(
                position, (rng.choice(self.unknown_group_ids), joined)
            )
        elif mark == "joined_before_created" and user.memberships:
            group_id, _ = user.memberships[0]
            before = rng.randint(DAY_MS, MAX_JOIN_BEFORE_CREATION_MS)
            user.memberships[0] = (
                group_id,
                self.group_by_id[group_id].created - before,
            )
        return user

    def _hometown(self, city: City) -> str | None:
        """A hometown: null, empty, the user's city or another one."""
        kind = self.rng.choices(HOMETOWN_KINDS, HOMETOWN_WEIGHTS)[0]
        if kind == "null":
            return None
        if kind == "empty":
            return ""
        if kind == "same":
            return city.name
        other = self.rng.choice(CITIES)
        return f"{other.name}, {other.country.upper()}"

    def _pick_groups(self, count: int) -> list[_Group]:
        """Up to ``count`` distinct groups, popular ones more likely."""
        if not self.groups:
            return []
        picked: dict[int, _Group] = {}
        for _ in range(count * USER_DRAW_ATTEMPTS):
            group = self.rng.choices(self.groups, cum_weights=self.group_weights)[0]
            picked.setdefault(group.group_id, group)
            if len(picked) == count:
                break
        return list(picked.values())

    def _join_time(self, group: _Group, end: int) -> int:
        """A join time after the group's creation, early for some members."""
        if self.rng.random() < EARLY_ADOPTER_RATE:
            return min(
                end, group.created + self.rng.randint(0, EARLY_ADOPTER_WINDOW_MS)
            )
        return self.rng.randint(group.created, end)

    def _join(self, user: _User, group: _Group, joined: int) -> None:
        """Add a membership and record the user as a member of the group."""
        if all(g != group.group_id for g, _ in user.memberships):
            self.members.setdefault(group.group_id, []).append(user.user_id)
        user.memberships.append((group.group_id, joined))

    def _render_user(self, user: _User) -> Record:
        """The user as the export writes it, with all memberships so far."""
        return {
            "user_id": self._id(user.user_id),
            "city": user.city.name,
            "country": user.city.country,
            "hometown": user.hometown,
            "memberships": [
                {"group_id": self._id(group_id), "joined": joined}
                for group_id, joined in user.memberships
            ],
        }

    def _redeliver_users(self, previous: list[_User], window: _Window) -> None:
        """Re-deliver earlier users with a new, renewed or dropped membership, or a
        move to another city (with a new membership)."""
        count = min(
            len(previous),
            max(MIN_REDELIVERIES, round(USER_REDELIVERY_RATE * len(previous))),
        )
        for position, user in enumerate(self.rng.sample(previous, count)):
            mode = USER_REDELIVERY_MODES[position % len(USER_REDELIVERY_MODES)]
            if mode == "rejoin" and not self._rejoin(user, window):
                mode = "new_membership"
            if mode == "left" and not self._leave(user):
                mode = "new_membership"
            if mode == "moved":
                user.city = self.rng.choice([c for c in CITIES if c != user.city])
            if mode in ("new_membership", "moved"):
                self._join_new_group(user, window)
            self.writer.write("users", self._render_user(user))

    def _rejoin(self, user: _User, window: _Window) -> bool:
        """Renew one known-group membership with a later ``joined``, in place."""
        known = [
            i for i, (g, _) in enumerate(user.memberships) if g in self.group_by_id
        ]
        if not known:
            return False
        index = self.rng.choice(known)
        group_id, joined = user.memberships[index]
        low = max(joined + SECOND_MS, window.start)
        user.memberships[index] = (
            group_id,
            self.rng.randint(low, max(low, window.end)),
        )
        return True

    def _leave(self, user: _User) -> bool:
        """Drop the user's last membership (the export then omits it), if they have
        another one left."""
        if len({g for g, _ in user.memberships}) < 2:  # noqa: PLR2004
            return False
        group_id, _ = user.memberships[-1]
        user.memberships = [(g, j) for g, j in user.memberships if g != group_id]
        return True

    def _join_new_group(self, user: _User, window: _Window) -> None:
        """Join a group the user is not yet a member of, within the window."""
        joined_ids = {g for g, _ in user.memberships}
        for group in self._pick_groups(len(joined_ids) + 1):
            if group.group_id not in joined_ids:
                low = max(group.created, window.start)
                self._join(user, group, self.rng.randint(low, window.end))
                return

    # ---- events ---------------------------------------------------------------------

    def write_events(self, window: _Window) -> None:
        """Write the batch's new events, their duplicates and re-deliveries."""
        span = _batch_range(self.event_count, window.number, self.batches)
        units = self._event_units(len(span))
        unit_marks = self._marks(len(units), EVENT_UNIT_MARKS)
        singles = [u for u, length in enumerate(units) if length == 1]
        null_time = {
            singles[i] for i in self._marks(len(singles), EVENT_NULL_TIME_MARKS)
        }
        slot_marks = [
            self._marks(len(span), rates)
            for rates in (
                EVENT_VENUE_MARKS,
                EVENT_STATUS_MARKS,
                EVENT_COPY_MARKS,
                EVENT_RSVP_MARKS,
                EVENT_DURATION_MARKS,
            )
        ]
        slot = 0
        for unit_index, length in enumerate(units):
            unit = self._new_unit(
                window, unit_marks.get(unit_index), unit_index in null_time
            )
            for occurrence in range(length):
                marks = {m[slot] for m in slot_marks if slot in m}
                self._write_occurrence(unit, occurrence, window, marks)
                slot += 1
        for line, rsvps in self.pending_duplicates:
            self.writer.write_line("events", line, rsvps)
        self.pending_duplicates = []
        if window.number > 1:
            self._redeliver_events(window, len(span))

    def _event_units(self, count: int) -> list[int]:
        """Split ``count`` occurrences into events, some recurring (the first one)."""
        units: list[int] = []
        remaining = count
        while remaining > 0:
            length = 1
            if remaining > 1 and (not units or self.rng.random() < RECURRING_RATE):
                length = min(remaining, self.rng.randint(2, MAX_SERIES_LENGTH))
            units.append(length)
            remaining -= length
        return units

    def _new_unit(self, window: _Window, mark: str | None, null_time: bool) -> _Unit:
        """Draw the group, name, description and times an event's occurrences share."""
        rng = self.rng
        if mark == "unknown_group" or not self.groups:
            group_id, topics, city = (
                rng.choice(self.unknown_group_ids),
                [],
                rng.choice(CITIES),
            )
        else:
            group = rng.choices(self.groups, cum_weights=self.group_weights)[0]
            group_id, topics, city = group.group_id, group.topics or [], group.city
        topic = rng.choice(topics) if topics else rng.choice(TOPICS)
        context = self._description_context(topic, city)
        name = rng.choice(EVENT_NAME_TEMPLATES).format(topic=topic, n=context["n"])
        description = self._unit_description(mark, context)
        created = rng.randint(window.start, window.end - 1)
        lead = rng.randint(DAY_MS, MAX_EVENT_LEAD_MS)
        time = None if null_time else (created + lead) // TIME_GRAIN_MS * TIME_GRAIN_MS
        interval = rng.choice(SERIES_INTERVALS_MS)
        return _Unit(group_id, name, description, created, time, interval)

    def _unit_description(
        self, mark: str | None, context: dict[str, str]
    ) -> str | None:
        """The unit's description: null, empty, blank, markup-only or HTML."""
        if mark == "description_null":
            return None
        if mark == "description_empty":
            return ""
        if mark == "description_blank":
            return self.rng.choice(BLANK_DESCRIPTIONS)
        if mark == "description_markup_only":
            return self.rng.choice(MARKUP_ONLY_DESCRIPTIONS)
        return self._description(context)

    def _write_occurrence(
        self, unit: _Unit, occurrence: int, window: _Window, marks: set[str]
    ) -> None:
        """Build and write one occurrence of a (possibly recurring) event."""
        rng = self.rng
        created = unit.created
        if occurrence:
            shift = rng.randint(0, occurrence * unit.interval // 2)
            created = min(window.end - 1, created + shift)
        time = None if unit.time is None else unit.time + occurrence * unit.interval
        duration = rng.choice(EVENT_DURATIONS_MIN) * MINUTE_MS
        event = _Event(
            group_id=unit.group_id,
            name=unit.name,
            description=unit.description,
            created=created,
            time=time,
            duration=None if "null_duration" in marks else duration,
            rsvp_limit=rng.choices(RSVP_LIMIT_CHOICES, RSVP_LIMIT_WEIGHTS)[0],
            venue_id=self._event_venue(marks),
            venue_absent="venue_absent" in marks,
            status="",
        )
        self._claim_identity(event)
        event.status = self._initial_status(event.time, window.end, marks)
        event.rsvps = self._initial_rsvps(event, window, marks)
        self._write_with_copies(event, window, marks)

    def _event_venue(self, marks: set[str]) -> int | None:
        """The event's venue id: null, unknown or a popular known venue."""
        if marks & {"venue_null", "venue_absent"} or not self.venues:
            return None
        if "venue_unknown" in marks:
            return self.rng.choice(self.unknown_venue_ids)
        return self.rng.choices(self.venues, cum_weights=self.venue_weights)[0].venue_id

    def _claim_identity(self, event: _Event) -> None:
        """Keep distinct events distinct: shift a colliding start or rename."""
        while self._identity(event) in self.identities:
            if event.time is None:
                event.name = f"{event.name} (TBD)"
            else:
                event.time += TIME_GRAIN_MS
        self.identities.add(self._identity(event))

    @staticmethod
    def _identity(event: _Event) -> tuple[int, str, int | None, str | None]:
        """The values that identify an event (DESIGN.md section 6, stg_events)."""
        return (event.group_id, event.name, event.time, event.description)

    def _initial_status(self, time: int | None, export: int, marks: set[str]) -> str:
        """Status at the export time, unless a mark imposes one."""
        for status in EVENT_STATUS_MARKS:
            if status in marks:
                return status
        if time is None:
            return self.rng.choice(("proposed", "suggested"))
        return "past" if time < export else "upcoming"

    def _answer_bounds(self, event: _Event, low: int, export: int) -> tuple[int, int]:
        """Range of ``when`` for an answer: from ``low`` to the start or export."""
        high = export if event.time is None else min(event.time, export)
        return low, max(low, high)

    def _initial_rsvps(
        self, event: _Event, window: _Window, marks: set[str]
    ) -> list[Record]:
        """The RSVPs of a new event, with a repeated answer if marked."""
        count = min(
            int(self.rng.expovariate(1 / MEAN_RSVPS_PER_EVENT)), MAX_RSVPS_PER_EVENT
        )
        if marks & set(EVENT_RSVP_MARKS):
            count = max(count, 2)
        users = self._rsvp_users(event, count, "unknown_user" in marks)
        rsvps = [
            self._rsvp(event, user_id, event.created, window.end) for user_id in users
        ]
        if "double_answer" in marks:
            self._add_reanswer(event, rsvps, event.created, window.end)
        return rsvps

    def _rsvp_users(self, event: _Event, count: int, force_unknown: bool) -> list[int]:
        """Distinct users who have not answered yet: members, others, unknowns."""
        rng = self.rng
        members = self.members.get(event.group_id, [])
        chosen: dict[int, None] = {}
        if force_unknown:
            chosen[rng.choice(self.unknown_user_ids)] = None
        answered = {int(r["user_id"]) for r in event.rsvps}
        for _ in range(count * USER_DRAW_ATTEMPTS):
            if len(chosen) >= count:
                break
            draw = rng.random()
            if draw < UNKNOWN_RSVP_USER_RATE or not self.user_ids:
                user_id = rng.choice(self.unknown_user_ids)
            elif members and draw < MEMBER_RSVP_RATE:
                user_id = rng.choice(members)
            else:
                user_id = rng.choice(self.user_ids)
            if user_id not in answered:
                chosen[user_id] = None
        return list(chosen)

    def _rsvp(self, event: _Event, user_id: int, low: int, export: int) -> Record:
        """One RSVP element; a few answers come after the event started."""
        rng = self.rng
        low, high = self._answer_bounds(event, low, export)
        when = rng.randint(low, high)
        start = event.time
        if start is not None and start < export and rng.random() < LATE_RSVP_RATE:
            when = rng.randint(max(low, start), max(low, export))
        return {
            "user_id": self._id(user_id),
            "response": self._response(),
            "when": when,
            "guests": self._guests(),
        }

    def _add_reanswer(
        self, event: _Event, rsvps: list[Record], low: int, export: int
    ) -> None:
        """Let one respondent answer again, later, possibly differently."""
        if not rsvps:
            return
        rng = self.rng
        user_id = str(rng.choice(rsvps)["user_id"])
        latest = max(
            (r for r in rsvps if str(r["user_id"]) == user_id), key=lambda r: r["when"]
        )
        after = max(low, latest["when"] + SECOND_MS)
        low, high = self._answer_bounds(event, after, export)
        high = max(high, min(low + HOUR_MS, export))
        answer = {
            "user_id": latest["user_id"],
            "response": self._response(other_than=latest["response"]),
            "when": rng.randint(low, max(low, high)),
            "guests": self._guests(),
        }
        rsvps.insert(rng.randint(0, len(rsvps)), answer)

    def _add_rsvps(self, event: _Event, count: int, low: int, export: int) -> None:
        """Append answers of up to ``count`` new respondents."""
        for user_id in self._rsvp_users(event, count, force_unknown=False):
            event.rsvps.append(self._rsvp(event, user_id, low, export))

    def _render_event(self, event: _Event) -> Record:
        """The event as the export writes it (``venue_id`` may be absent)."""
        record: Record = {
            "group_id": self._id(event.group_id),
            "name": event.name,
            "description": event.description,
            "created": event.created,
            "time": event.time,
            "duration": event.duration,
            "rsvp_limit": event.rsvp_limit,
        }
        if not event.venue_absent:
            record["venue_id"] = (
                None if event.venue_id is None else self._id(event.venue_id)
            )
        record["status"] = event.status
        record["rsvps"] = list(event.rsvps)
        return record

    def _write_with_copies(
        self, event: _Event, window: _Window, marks: set[str]
    ) -> None:
        """Write the event, a later version or an exact copy if marked."""
        latest = event
        if "later_version" in marks:
            latest = replace(event, rsvps=list(event.rsvps))
            latest.created = self._later_created(event, window)
            extra = self.rng.randint(1, MAX_VERSION_EXTRA_RSVPS)
            self._add_rsvps(latest, extra, event.created, window.end)
            self._add_reanswer(latest, latest.rsvps, event.created, window.end)
            versions = [event, latest]
            self.rng.shuffle(versions)  # the later version may come first in the file
            for version in versions:
                self.writer.write("events", self._render_event(version))
        else:
            line = self.writer.write("events", self._render_event(event))
            if "exact_duplicate" in marks:
                self.pending_duplicates.append((line, len(event.rsvps)))
        keep = window.number < self.batches and self.rng.random() < CANDIDATE_RATE
        if keep:
            self.candidates.append(latest)

    def _later_created(self, event: _Event, window: _Window) -> int:
        """A later creation time (by at least a second), still before the start."""
        upper = (
            window.end
            if event.time is None
            else min(window.end, event.time - SECOND_MS)
        )
        low = event.created + SECOND_MS
        if upper <= low:
            return low
        return self.rng.randint(max(low, min(window.start, upper)), upper)

    def _redeliver_events(self, window: _Window, new_events: int) -> None:
        """Re-export earlier events: some change status, others get answers."""
        rng = self.rng
        wanted = max(MIN_REDELIVERIES, round(EVENT_REDELIVERY_RATE * new_events))
        count = min(len(self.candidates), wanted)
        changeable = [
            i for i, e in enumerate(self.candidates) if e.status in CHANGEABLE_STATUSES
        ]
        status_count = min(len(changeable), max(1, count // STATUS_CHANGE_SHARE))
        status_picks = rng.sample(changeable, status_count)
        rest = sorted(set(range(len(self.candidates))) - set(status_picks))
        other_picks = rng.sample(rest, min(len(rest), count - status_count))
        for index in status_picks:
            self._redeliver_event(self.candidates[index], window, "status")
        for position, index in enumerate(other_picks):
            mode = EVENT_REDELIVERY_MODES[position % len(EVENT_REDELIVERY_MODES)]
            self._redeliver_event(self.candidates[index], window, mode)

    def _redeliver_event(self, event: _Event, window: _Window, mode: str) -> None:
        """Re-export ``event`` as it would look at this batch's export time."""
        rng = self.rng
        low = max(event.created, window.start)
        if mode == "re_answer":
            for _ in range(rng.randint(1, 2)):
                self._add_reanswer(event, event.rsvps, low, window.end)
        else:
            extra = rng.randint(1, MAX_REDELIVERY_EXTRA_RSVPS)
            self._add_rsvps(event, extra, low, window.end)
        if mode in ("status", "bumped"):
            event.created = self._later_created(event, window)
            event.status = _next_status(event.status, event.time, window.end, mode)
        self.writer.write("events", self._render_event(event))


def _next_status(status: str, time: int | None, export: int, mode: str) -> str:
    """The status a re-export shows (``mode='status'`` forces a change)."""
    started = time is not None and time < export
    if status == "suggested" and mode == "status":
        return "proposed"
    if status in ("upcoming", "proposed") and started:
        return "past"
    if status in ("upcoming", "proposed") and mode == "status":
        return "cancelled" if status == "upcoming" or time is None else "upcoming"
    return status


def generate(
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = DEFAULT_SCALE,
    batches: int = 1,
    start_ms: int | None = None,
) -> dict[str, int]:
    """Write a Meetup-shaped sample of the four raw sources into ``out_dir``.

    Args:
        out_dir: Target folder (created if missing).
        seed: Seed of the only random generator used; same arguments, same bytes.
        scale: Linear size factor; 1.0 gives about 40 groups, 300 users, 30 venues,
            400 event records and 3,000 RSVP entries (about 0.46 MB).
        batches: 1 writes ``<source>.json`` files; more writes
            ``<source>/batch_0001.json``... where later batches re-deliver changes.
        start_ms: Epoch ms the event timeline starts at (default 2017-01-01 UTC);
            events are created over the following year.

    Returns:
        Records written per source (over all batches) and ``"rsvps"``, the number
        of RSVP array elements written.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if batches < 1:
        raise ValueError(f"batches must be at least 1, got {batches}")
    start = DEFAULT_START_MS if start_ms is None else start_ms
    counts = _Counts.for_scale(scale)
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out_dir, batches)
    generator = _Generator(random.Random(seed), writer, start, batches, counts)
    try:
        for number in range(1, batches + 1):
            window = _Window(
                number,
                start + YEAR_MS * (number - 1) // batches,
                start + YEAR_MS * number // batches,
            )
            writer.start_batch(number)
            generator.write_groups(window)
            generator.write_venues(window)
            generator.write_users(window)
            generator.write_events(window)
    finally:
        writer.close()
    return dict(writer.counts)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point: generate a sample and print what was written."""
    parser = argparse.ArgumentParser(
        prog="python -m motors_meetup.sample_data",
        description="Write a deterministic Meetup-shaped JSON sample.",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE)
    parser.add_argument("--batches", type=int, default=1)
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.batches < 1:
        parser.error("--scale must be positive and --batches at least 1")
    counts = generate(args.out, seed=args.seed, scale=args.scale, batches=args.batches)
    total = 0
    for source in SOURCES:
        size = sum(
            p.stat().st_size for p in source_files(args.out, source, args.batches)
        )
        total += size
        print(f"{source:<7} {counts[source]:>9,} records {size:>13,} bytes")  # noqa: T201
    print(f"rsvps   {counts['rsvps']:>9,} entries")  # noqa: T201
    print(f"total   {total:>33,} bytes")  # noqa: T201


if __name__ == "__main__":
    main()
