"""Kedro project settings: hooks, config loader and resolvers."""

from __future__ import annotations

import warnings

from kedro.config import OmegaConfigLoader

from motors_meetup.config_resolvers import RESOLVERS
from motors_meetup.hooks import ContractHooks, RebuildHooks, RunReportHooks, SparkHooks

# Datasets are named ``<layer>.<table>`` on purpose (one catalog factory per layer,
# kedro-viz layers, Unity Catalog schemas). Kedro 1.x warns once per process that
# dots are reserved for namespaces; these pipelines use none, so the warning would
# only be noise at the top of every run.
warnings.filterwarnings(
    "ignore",
    message=r"One or more dataset names contain '\.' characters",
    category=UserWarning,
)

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
