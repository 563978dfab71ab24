"""A real local Ray cluster for the tests of this folder, started once for them all: a head and two worker nodes on
loopback; and the reports they build (the seeds and the provincial reports)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from ray.cluster_utils import Cluster

from ..conftest import ROOT, copy_dev_reports

PROVINCIAL = ROOT / "tests" / "corpus" / "provincial-2026"


@pytest.fixture(scope="package")
def cluster() -> Iterator[Cluster]:
    """A head and two worker nodes of one CPU each; the workers import this checkout (tests.fakes) by PYTHONPATH."""
    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    for _ in range(2):
        nodes.add_node(num_cpus=1)
    ray.init(address=nodes.address, runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}}, logging_level=logging.ERROR, log_to_driver=False)
    try:
        yield nodes
    finally:
        ray.shutdown()
        nodes.shutdown()


@pytest.fixture(scope="package")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds and the provincial reports in one folder."""
    return copy_dev_reports(tmp_path_factory.mktemp("cluster") / "reports")
