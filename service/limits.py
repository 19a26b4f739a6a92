"""Input limits that keep a small server alive.

One dataclass, read from the environment so a deployment can raise or lower them without code
changes. Every check names the limit and the value in its message, so a user knows what to change.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from service.errors import InputTooLarge


@dataclass(frozen=True)
class Limits:
    #: Characters of cleaned article text accepted by one request.
    max_chars: int = 200_000
    #: Bytes of one uploaded or read file.
    max_file_bytes: int = 10 * 1024 * 1024
    #: Pages read from one PDF.
    max_pdf_pages: int = 200
    #: Total uncompressed bytes inside one DOCX (zip-bomb guard).
    max_docx_uncompressed_bytes: int = 50 * 1024 * 1024
    #: Files accepted in one batch.
    max_batch_files: int = 50
    #: XML or HTML elements read from one document: reading stops past it, so a small file of many
    #: tiny paragraphs cannot cost minutes (a 138 KB DOCX of 45 MB XML took 94 s before this limit).
    #: At 100,000 the worst file of any format costs about 4 s of CPU (benchmarks/costly_documents.py);
    #: at 500,000 an HTML page of 249,000 one-letter paragraphs cost 14 s and 390 MB.
    max_document_elements: int = 100_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Read `SERVICE_MAX_CHARS`, `SERVICE_MAX_FILE_BYTES`, ... (upper-cased field names)."""
        env: Mapping[str, str] = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(f"SERVICE_{f.name.upper()}")
            if raw is None or raw.strip() == "":
                continue
            try:
                values[f.name] = int(raw.replace("_", ""))
            except ValueError as exc:
                raise ValueError(f"SERVICE_{f.name.upper()} must be a whole number, got {raw!r}") from exc
        return cls(**values)

    def check(self, name: str, value: int, what: str) -> None:
        """Raise `InputTooLarge` when `value` exceeds the limit called `name`."""
        limit = getattr(self, name)
        if value > limit:
            raise InputTooLarge(
                f"{what} is {value:,}, over the limit {name}={limit:,} "
                f"(set SERVICE_{name.upper()} to change it)"
            )
