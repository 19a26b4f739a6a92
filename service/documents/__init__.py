"""Documents in, plain article text out: format sniffing, decoding and one reader per format.

`read_document(name, data)` is the one entry point; uploads, batches and the CLI all go through it.
"""

from service.documents.readers import Document, read_document
from service.documents.sniff import SUPPORTED_EXTENSIONS

__all__ = ["SUPPORTED_EXTENSIONS", "Document", "read_document"]
