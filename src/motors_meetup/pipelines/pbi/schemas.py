"""Contracts of the pbi layer."""

CONTRACTS: dict = {}
