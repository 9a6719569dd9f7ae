"""Kedro project settings: hooks, config loader and resolvers."""

from __future__ import annotations

from kedro.config import OmegaConfigLoader

from motors_meetup.config_resolvers import RESOLVERS
from motors_meetup.hooks import ContractHooks, RebuildHooks, RunReportHooks, SparkHooks

HOOKS = (SparkHooks(), ContractHooks(), RebuildHooks(), RunReportHooks())

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "config_patterns": {
        "spark": ["spark*", "spark*/**"],
        "quality": ["quality*", "quality*/**"],
    },
    "custom_resolvers": RESOLVERS,
    "merge_strategy": {"parameters": "soft", "globals": "soft"},
}
