"""Contracts of the raw layer."""

CONTRACTS: dict = {}
