"""Field-level validation messages in the user's language.

Pydantic's own messages are English only; each error ``type`` is mapped to a translatable
sentence, filled with the error's context (limits, allowed values). Unknown types fall back to
pydantic's message.
"""

from __future__ import annotations

from typing import Any

from iofs.i18n import N_
from iofs.i18n import gettext as _

MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "control_characters": N_("Remove the control characters from this text."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "float_type": N_("Enter a number."),
    "decimal_parsing": N_("Enter a number."),
    "decimal_type": N_("Enter a number."),
    "decimal_max_digits": N_("Use at most %(max_digits)s digits."),
    "decimal_max_places": N_("Use at most %(decimal_places)s decimal places."),
    "finite_number": N_("Enter a finite number."),
    "bool_parsing": N_("Enter true or false."),
    "bool_type": N_("Enter true or false."),
    "string_type": N_("Enter text."),
    "string_too_short": N_("Enter at least %(min_length)s characters."),
    "string_too_long": N_("Enter at most %(max_length)s characters."),
    "too_short": N_("Give at least %(min_length)s items."),
    "too_long": N_("Give at most %(max_length)s items."),
    "greater_than_equal": N_("Must be at least %(ge)s."),
    "greater_than": N_("Must be more than %(gt)s."),
    "less_than_equal": N_("Must be at most %(le)s."),
    "less_than": N_("Must be less than %(lt)s."),
    "enum": N_("Choose one of: %(expected)s."),
    "literal_error": N_("Choose one of: %(expected)s."),
    "date_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_type": N_("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": N_("Enter a date and time in ISO 8601."),
    "datetime_from_date_parsing": N_("Enter a date and time in ISO 8601."),
    "json_invalid": N_("The request body is not valid JSON."),
    "model_attributes_type": N_("Send a JSON object."),
    "dict_type": N_("Send a JSON object."),
    "list_type": N_("Send a list."),
    "extra_forbidden": N_("This field is not allowed."),
    "value_error": N_("The value is not valid."),
}


def translated_message(error: dict[str, Any]) -> str:
    """The error's message in the current language."""
    template = MESSAGES.get(str(error.get("type")))
    if template is None:
        return str(error.get("msg", _("The value is not valid.")))
    context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return _(template) % context if "%(" in template else _(template)
    except (KeyError, ValueError):
        return str(error.get("msg", _("The value is not valid.")))
