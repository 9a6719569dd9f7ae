"""Explicit read schemas of the four Meetup export sources (no inference).

Ids are read as strings whatever their JSON type (Spark's JSON reader turns a number
into its text), epoch values as longs. ``_corrupt_record`` receives a record that is
not valid JSON or does not fit the schema.
"""

from __future__ import annotations

from pyspark.sql import types as T

CORRUPT = "_corrupt_record"


def _schema(*fields: tuple[str, T.DataType]) -> T.StructType:
    columns = [T.StructField(name, dtype, True) for name, dtype in fields]
    return T.StructType([*columns, T.StructField(CORRUPT, T.StringType(), True)])


RSVP = T.StructType(
    [
        T.StructField("user_id", T.StringType(), True),
        T.StructField("response", T.StringType(), True),
        T.StructField("when", T.LongType(), True),
        T.StructField("guests", T.IntegerType(), True),
    ]
)
MEMBERSHIP = T.StructType(
    [
        T.StructField("group_id", T.StringType(), True),
        T.StructField("joined", T.LongType(), True),
    ]
)

EVENTS = _schema(
    ("group_id", T.StringType()),
    ("name", T.StringType()),
    ("description", T.StringType()),
    ("created", T.LongType()),
    ("time", T.LongType()),
    ("duration", T.LongType()),
    ("rsvp_limit", T.IntegerType()),
    ("venue_id", T.StringType()),
    ("status", T.StringType()),
    ("rsvps", T.ArrayType(RSVP, True)),
)
GROUPS = _schema(
    ("group_id", T.StringType()),
    ("name", T.StringType()),
    ("city", T.StringType()),
    ("lat", T.DoubleType()),
    ("lon", T.DoubleType()),
    ("created", T.LongType()),
    ("description", T.StringType()),
    ("link", T.StringType()),
    ("topics", T.ArrayType(T.StringType(), True)),
)
USERS = _schema(
    ("user_id", T.StringType()),
    ("city", T.StringType()),
    ("country", T.StringType()),
    ("hometown", T.StringType()),
    ("memberships", T.ArrayType(MEMBERSHIP, True)),
)
VENUES = _schema(
    ("venue_id", T.StringType()),
    ("name", T.StringType()),
    ("city", T.StringType()),
    ("country", T.StringType()),
    ("lat", T.DoubleType()),
    ("lon", T.DoubleType()),
)
