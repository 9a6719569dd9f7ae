"""Contracts of the intermediate layer."""

CONTRACTS: dict = {}
