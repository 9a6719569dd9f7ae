"""Contracts of the staging layer."""

CONTRACTS: dict = {}
