"""The reading half of a large passport import, run as a child process.

``python -m iofs.genebank.reader FILE MAPPING_JSON`` validates and prepares the file (see
:func:`iofs.genebank.passport_import.import_passport`) and writes pickled chunks to standard output
for the parent, which writes them to the database meanwhile: the two halves then use two
cores.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    from iofs.genebank import passport_import

    path, mapping = Path(sys.argv[1]), json.loads(sys.argv[2]) or None
    passport_import.read_for_parent(path, mapping, sys.stdout.buffer)


if __name__ == "__main__":
    main()
