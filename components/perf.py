"""Performance fixes for the Rasa 3.6 server, applied by `install()` only.

Importing this module (or any of components/) changes nothing in Rasa: the
Rasa server's entry point calls `install()` through ops/rasa_patches.py,
once, before it loads a model; training and `rasa test` run Rasa unchanged.

Each was found by profiling the server under load (see README, "Speed"):

- Rasa checks every action-server response against a JSON schema with
  `jsonschema.validate(result, schema)`. That function first validates the
  *schema itself* against the JSON-Schema meta-schema, on every call; this
  was about three quarters of the server's CPU per message. Here the
  validator for the (constant) schema is built once and reused: the response
  is checked against exactly the same schema, with the same error.
  Even so, checking a typical response took 1.7 ms, because each event is
  tried against all 23 event schemas (`oneOf`). Those schemas are told
  apart by the `event` name alone (a different constant in each, checked
  when the table is built), so an event is valid exactly when it is valid
  against the one schema of its name; a response that passes that check is
  accepted (about 0.2 ms), and any other goes through the full check, so
  rejected responses get the same error as before.
- Rasa turns each stored event back into an object by walking the whole
  Event class tree (`Event.resolve_by_type`) once per event, every time a
  conversation is loaded. Here the tree is walked once and the name-to-class
  table reused; an unknown name walks it again, so event classes imported
  later are still found, and unknown names fail exactly as before.
- Rasa runs its model graph (the NLU pipeline for each message, the
  policies for each prediction: three or four runs per message) with
  `dask.get`, which sets up Dask's scheduler, orders the graph and tracks
  task state on every run; that bookkeeping cost about as much as the
  nodes' own work. `_run_graph` runs the same nodes with the same inputs and
  returns the same result: the nodes Dask would run (the graph cut down to
  the targets, with each input replacing the node of its name), each once,
  after the nodes it needs (the order is worked out once per set of targets
  and input names), each node getting the output of the nodes it needs, the
  input's `(name, value)` for an input, or the name itself for anything
  else, as Dask gives it. Dask's synchronous scheduler also runs one node at
  a time, in the caller's thread, and lets a node's exception through; a
  RuntimeError becomes Rasa's GraphRunError, as before.
"""
from __future__ import annotations

import functools
import copy
from typing import Any, Dict, FrozenSet, List, Optional, Text, Tuple

from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_original_resolve_by_type = Event.resolve_by_type
_dask_run = DaskGraphRunner.run  # Rasa's own, kept for comparison in the tests


@functools.lru_cache(maxsize=1)
def _validator():
    from jsonschema.validators import validator_for
    schema = RemoteAction.action_response_format_spec()  # a constant schema
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


@functools.lru_cache(maxsize=1)
def _by_event_name() -> Optional[Tuple[Any, Dict[Text, Any]]]:
    """The schema without its per-event `oneOf`, and one validator per event name; None if not applicable."""
    from jsonschema.validators import validator_for
    schema = copy.deepcopy(RemoteAction.action_response_format_spec())
    try:
        items = schema["properties"]["events"]["items"]
        variants = items.pop("oneOf")
        names = [v["properties"]["event"]["const"] for v in variants]
    except (KeyError, TypeError):
        return None
    if "event" not in items.get("required", []) or len(set(names)) != len(names):
        return None  # not told apart by the event name alone: use the full check only
    shell = validator_for(schema)(schema)
    return shell, {name: validator_for(v)(v) for name, v in zip(names, variants)}


def _valid_by_event_name(result: Any) -> bool:
    """True only if the full schema accepts `result` (see the module docstring); False: not decided."""
    table = _by_event_name()
    if table is None:
        return False
    shell, by_name = table
    if not shell.is_valid(result):
        return False
    for event in result.get("events") or []:  # the shell made each one an object with a string `event`
        validator = by_name.get(event["event"])
        if validator is None or not validator.is_valid(event):
            return False
    return True


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    if _valid_by_event_name(result):
        return True
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


_event_classes: Dict[Text, Any] = {}


def _resolve_by_type(type_name: Text, default: Any = None) -> Any:
    cls = _event_classes.get(type_name)
    if cls is None:
        _event_classes.clear()
        for subclass in reversed(all_subclasses(Event)):  # the first match wins, as in Rasa's loop
            _event_classes[subclass.type_name] = subclass
        cls = _event_classes.get(type_name)
    if cls is None:
        return _original_resolve_by_type(type_name, default)  # Rasa's own answer: default, None or ValueError
    return cls


def _run_order(runner: DaskGraphRunner, targets: Tuple[Text, ...], input_names: FrozenSet[Text]) -> List[Text]:
    """The nodes Dask would run for `targets`, each after the nodes it needs."""
    plans = runner.__dict__.setdefault("_legcare_plans", {})
    key = (targets, input_names)
    if key not in plans:
        nodes = runner._graph_schema.minimal_graph_schema(list(targets)).nodes
        to_run = [name for name in nodes if name not in input_names]
        order: List[Text] = []

        def visit(name: Text) -> None:  # no cycles: Rasa's minimal_graph_schema has followed every path already
            if name in order:
                return
            for needed in nodes[name].needs.values():
                if needed in nodes and needed not in input_names:
                    visit(needed)
            order.append(name)

        for name in to_run:
            visit(name)
        plans[key] = order
    return plans[key]


def _run_graph(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None,
               targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    run_targets = targets if targets else self._graph_schema.target_names
    values: Dict[Text, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and (value in values or value in _run_order(self, tuple(run_targets), frozenset())):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the input names passed to "
                f"the `run` method are the same as node names in the graph schema.")
        values[name] = (name, value)
    order = _run_order(self, tuple(run_targets), frozenset(values))
    nodes = self._graph_schema.nodes
    try:
        for name in order:
            needed = [values.get(n, n) for n in nodes[name].needs.values()]
            values[name] = self._instantiated_nodes[name](*needed)
        return dict(values[target] for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


def installed() -> bool:
    return getattr(RemoteAction._validate_action_result, "__legcare__", False)


def install() -> None:
    """Apply the fixes above to this process (once; later calls do nothing)."""
    if installed():
        return
    _validate_action_result.__legcare__ = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[assignment]
    DaskGraphRunner.run = _run_graph  # type: ignore[assignment]
