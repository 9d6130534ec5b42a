"""Permissions of the data vocabulary: the secretariat edits labels (admin holds every
permission); everyone reads them through the pages that show data."""

from __future__ import annotations

from iofs.permissions import ANY, declare
from iofs.roles import Role

PERMISSIONS = declare(
    "labels",
    {
        "edit": (
            "Edit, import and export the translated data labels",
            {Role.SECRETARIAT: ANY},
        ),
    },
)

EDIT = "labels.edit"
