"""The vendor documents are stored verbatim: byte-identical to the YAML inside the seeds."""

from __future__ import annotations

import hashlib
import re

import pytest

from conftest import ROOT, SPECS

PINNED = {
    "agno.yaml": "166bf40f752a15f3d6db41f0819ef61cff8e6db739abecd0415dd36347ac88b3",
    "memoram.yaml": "ef52b5a22d861540b40234d2f6a55f275bf3f15c87c082aa057624451f1c091e",
    "memoryplugin.yaml": "656810c3c794d1a177225310c66ed1214bcfd565480ea510a966ae6ba37784b9",
    "mielto.yaml": "196e9390e800e683b8d68e0cc4c9c3a24bd0064b9608f389f634463b9420fa3c",
    "omi.yaml": "1465261b64cb756747c566555c6981079646c4315f09cf5cadeed518463f3c9d",
}
SEEDS = ROOT.parent / "shared" / "seeds"
SEED_FILES = {
    "000": "mielto.yaml",
    "001": "agno.yaml",
    "002": "omi.yaml",
    "003": "memoram.yaml",
    "004": "memoryplugin.yaml",
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_spec_sha256_is_pinned(name: str) -> None:
    assert hashlib.sha256((SPECS / name).read_bytes()).hexdigest() == PINNED[name]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seeds live in the workspace's shared/ folder")
@pytest.mark.parametrize("prefix", sorted(SEED_FILES))
def test_spec_is_the_seed_yaml_byte_for_byte(prefix: str) -> None:
    seed = next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    fenced = re.search(r"^````yaml[^\n]*\n(.*?)^````\s*$", seed, re.S | re.M)
    assert fenced is not None
    assert (SPECS / SEED_FILES[prefix]).read_text(encoding="utf-8") == fenced.group(1)
