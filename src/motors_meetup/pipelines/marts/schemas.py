"""Contracts of the marts layer."""

CONTRACTS: dict = {}
