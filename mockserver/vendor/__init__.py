"""The real vendor behind a document: forwarding to it (`--upstream`), judging its traffic
against the document (`audit`), keeping that traffic as files (`--record`), and the report of
where it departs from its document (`drift`).

Nothing here names a vendor: the vendor is whatever URL `--upstream NAME=URL` points at, and
what is known of it lives in recordings and `fixtures/observed/`.
"""
