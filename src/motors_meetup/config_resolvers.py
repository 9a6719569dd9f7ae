"""OmegaConf resolvers for `conf/`: ``${warehouse_user:}``, ``${today_utc:}``."""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Callable
from datetime import datetime, timezone

USER_ENV_VAR = "MOTORS_MEETUP_USER"


def warehouse_user() -> str:
    """The user part of local schema names: $MOTORS_MEETUP_USER, else the OS user.

    Lower-cased, with anything outside ``[a-z0-9_]`` replaced by ``_`` so it is a
    valid schema name on Spark and Unity Catalog alike.
    """
    user = os.environ.get(USER_ENV_VAR) or getpass.getuser() or "user"
    return re.sub(r"[^a-z0-9_]", "_", user.lower())


def today_utc() -> str:
    """Today's date in UTC as ``YYYY-MM-DD`` (the default ``as_of_date``)."""
    return datetime.now(timezone.utc).date().isoformat()


def env_or(name: str, default: str) -> str:
    """An environment variable, or ``default`` when unset or empty."""
    return os.environ.get(name) or default


RESOLVERS: dict[str, Callable[..., str]] = {
    "warehouse_user": warehouse_user,
    "today_utc": today_utc,
    "env_or": env_or,
}
