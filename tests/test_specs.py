"""The vendor documents are stored verbatim: byte-identical to the YAML inside the seeds.

Each hash below is the SHA-256 of the YAML fenced in the seed file named beside it (the text
between the ````yaml line and the closing ````), computed from the seeds when the documents
were imported. The suite never reads outside the repository, so the seeds themselves are not
opened here: a document that changes by one byte fails against its seed's hash.
"""

from __future__ import annotations

import hashlib

import pytest

from conftest import SPECS

SEED_SHA256 = {
    "mielto.yaml": "196e9390e800e683b8d68e0cc4c9c3a24bd0064b9608f389f634463b9420fa3c",  # 000_eed69bd36529a0f8.txt
    "agno.yaml": "166bf40f752a15f3d6db41f0819ef61cff8e6db739abecd0415dd36347ac88b3",  # 001_f0b2f7e68ce53c4a.txt
    "omi.yaml": "1465261b64cb756747c566555c6981079646c4315f09cf5cadeed518463f3c9d",  # 002_f7fb68a4f48d8dc9.txt
    "memoram.yaml": "ef52b5a22d861540b40234d2f6a55f275bf3f15c87c082aa057624451f1c091e",  # 003_c0e49e1943b10ac2.txt
    "memoryplugin.yaml": "656810c3c794d1a177225310c66ed1214bcfd565480ea510a966ae6ba37784b9",  # 004_3527ef56644af05a.txt
}


@pytest.mark.parametrize("name", sorted(SEED_SHA256))
def test_each_document_is_its_seed_byte_for_byte(name: str) -> None:
    assert hashlib.sha256((SPECS / name).read_bytes()).hexdigest() == SEED_SHA256[name]


def test_no_other_document_is_shipped() -> None:
    assert sorted(p.name for p in SPECS.iterdir()) == sorted(SEED_SHA256)
