"""The reading half of a large passport import, run as a child process.

``python -m iofs.genebank.reader SOURCE_JSON`` (a :class:`~iofs.genebank.mcpd.PassportSource`:
the file, its mapping and sheet) validates and prepares the file (see
:func:`iofs.genebank.passport_import.import_passport`) and writes pickled chunks to standard output
for the parent, which writes them to the database meanwhile: the two halves then use two
cores.
"""

from __future__ import annotations

import sys


def main() -> None:
    from iofs.genebank import mcpd, passport_import

    passport_import.read_for_parent(mcpd.source_from_json(sys.argv[1]), sys.stdout.buffer)


if __name__ == "__main__":
    main()
