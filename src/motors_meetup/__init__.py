"""Motors Meetup Analytics: Meetup JSON exports to a Delta Lake warehouse."""

__version__ = "0.1.0"
