"""A performance fix for Rasa 3.6, applied when the Rasa server loads our components.

Rasa checks every action-server response against a JSON schema with
`jsonschema.validate(result, schema)`. That function first validates the
*schema itself* against the JSON-Schema meta-schema, on every call; profiling
showed this was about three quarters of the Rasa server's CPU per message.
Here the validator for the (constant) schema is built once and reused: the
response is checked against exactly the same schema, with the same error.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text

from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.lru_cache(maxsize=1)
def _validator():
    from jsonschema.validators import validator_for
    schema = RemoteAction.action_response_format_spec()  # a constant schema
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    try:
        error = best_match(_validator().iter_errors(result))  # the error jsonschema.validate raises
        if error is not None:
            raise error
        return True
    except ValidationError as e:
        e.message += (". Failed to validate Action server response from API, make sure your response from the "
                      f"Action endpoint is valid. For more information about the format visit "
                      f"{DOCS_BASE_URL}/custom-actions")
        raise e


def apply() -> None:
    if getattr(RemoteAction._validate_action_result, "__legcare__", False):
        return
    _validate_action_result.__legcare__ = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]
