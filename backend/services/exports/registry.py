"""Every tabular dataset the exports offer, by the key used in URLs and file names.

A new dataset (e.g. issue 20's ``da``) is a module with a ``DATASETS`` tuple
of :class:`~backend.services.exports.datasets.Dataset` added to :data:`MODULES`.
"""

from __future__ import annotations

from backend.services.errors import NotFound
from backend.services.exports import alerts, da, ec, qs, sign_off, vs
from backend.services.exports.datasets import Dataset

MODULES = (ec, vs, qs, alerts, sign_off, da)
DATASETS: dict[str, Dataset] = {dataset.key: dataset for module in MODULES for dataset in module.DATASETS}


def dataset(key: str) -> Dataset:
    """The dataset called ``key`` (``ec``, ``suppec``, ``vs``, ...), else NotFound."""
    try:
        return DATASETS[key]
    except KeyError:
        raise NotFound(f"no dataset {key!r}; available: {', '.join(DATASETS)}") from None
