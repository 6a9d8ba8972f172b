"""Shared fixtures. Heavy ones (test model, running servers) live in tests/integration."""
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture(scope="session")
def domain_responses(domain):
    return set(domain["responses"])
