"""Table contracts: one pandera model per table, applied by one mechanism.

Each layer's ``schemas.py`` (beside its pipeline) declares ``CONTRACTS``, a mapping of
table name to a ``pandera.pyspark.DataFrameModel``. :func:`all_contracts` gathers them
under their dataset names (``<layer>.<table>``); :func:`check_table` validates a
DataFrame and raises :class:`ContractViolation` naming table, column, check and a few
failing rows.
"""

from motors_meetup.contracts.registry import all_contracts, contract_for
from motors_meetup.contracts.validation import (
    ContractViolation,
    Finding,
    check_structure,
    check_table,
    findings,
)

__all__ = [
    "ContractViolation",
    "Finding",
    "all_contracts",
    "check_structure",
    "check_table",
    "contract_for",
    "findings",
]
