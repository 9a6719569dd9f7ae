"""What is known of a frame without running it: the deliveries a source frame
reads, and whether a frame was cut to no rows on purpose."""

from __future__ import annotations

from collections.abc import Iterable
from weakref import WeakKeyDictionary

from pyspark.sql import DataFrame

# The deliveries (content digests) each loaded source frame reads.
_DELIVERIES: WeakKeyDictionary[DataFrame, frozenset[str]] = WeakKeyDictionary()


def record_deliveries(records: DataFrame, digests: Iterable[str]) -> None:
    """Remember that ``records`` reads exactly the deliveries ``digests``."""
    _DELIVERIES[records] = frozenset(digests)


def deliveries_of(records: DataFrame) -> frozenset[str] | None:
    """The deliveries ``records`` reads, if recorded (None otherwise)."""
    return _DELIVERIES.get(records)


def nothing_to_write(frame: DataFrame) -> bool:
    """True when ``frame`` is cut to no rows by its last operation (``.limit(0)``).

    Nodes return such a frame when their input holds nothing new (a source whose
    deliveries were all processed), so the save and its contract check can skip
    their Spark jobs. Read from the frame's unanalysed plan: no planning, no job.
    Any other frame, empty or not, gives False (and so does a frame without a JVM
    plan, as on Spark Connect).
    """
    jdf = getattr(frame, "_jdf", None)
    if jdf is None:
        return False
    plan = jdf.queryExecution().logical()
    if plan.getClass().getSimpleName() != "GlobalLimit":
        return False
    return plan.limitExpr().toString() == "0"
