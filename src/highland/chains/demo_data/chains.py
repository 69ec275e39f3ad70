"""The demo chains: Nanjing's eight industrial chains (ids 1–8), from chain_files/*.yaml.

The segment trees are illustrative: a reasonable reading of each chain, not an official
catalogue. Loading is idempotent: unchanged files add no version.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from highland.chains import service
from highland.chains.demo_data import CHAIN_FILES
from highland.platform.audit.service import Actor


def load_demo_chains(session: Session, actor: Actor) -> dict[str, int]:
    """Load or refresh the eight demo chains; counts of created, updated and unchanged."""
    files = service.read_files(sorted(CHAIN_FILES.glob("*.yaml")))
    return service.store(session, files, actor).counts()
