"""The graph runner in components/perf.py gives the same results as Rasa's Dask runner.

Each case runs the same graph twice, once with Dask (`perf._dask_run`, Rasa's own
`DaskGraphRunner.run`) and once with ours, and compares outputs, which nodes ran and
how often, and errors. The last tests do the same with the trained model: the NLU
pipeline's parse of messages and every policy's prediction on real conversations.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from components import perf

perf.install()  # what the Rasa server's entry point does (through ops/rasa_patches.py)

CALLS: List[Text] = []


class Add(GraphComponent):
    """Adds its inputs (numbers) to its configured constant; records each run."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config, model_storage, resource, execution_context, **kwargs) -> "Add":
        return cls(config)

    def run(self, **inputs: Any) -> Any:
        CALLS.append(self.config["name"])
        if self.config.get("fail"):
            raise ValueError("this node fails")
        return self.config["value"] + sum(v for v in inputs.values() if isinstance(v, (int, float)))


class Echo(GraphComponent):
    """Returns what it received, to show what each node is given."""

    @classmethod
    def create(cls, config, model_storage, resource, execution_context, **kwargs) -> "Echo":
        return cls()

    def run(self, **inputs: Any) -> Any:
        CALLS.append("echo")
        return dict(inputs)


def node(needs: Dict[Text, Text], value: int = 0, name: Text = "", component=Add, **config) -> SchemaNode:
    return SchemaNode(needs=needs, uses=component, constructor_name="create", fn="run",
                      config=dict(config, value=value, name=name), is_target=False)


def schema(**extra: SchemaNode) -> GraphSchema:
    nodes = {
        "a": node({}, 1, "a"),
        "b": node({"x": "a"}, 10, "b"),
        "c": node({"x": "a", "y": "__input__"}, 100, "c"),
        "d": node({"x": "b", "y": "c"}, 1000, "d"),
        "unrelated": node({}, 5, "unrelated"),
    }
    nodes.update(extra)
    return GraphSchema(nodes)


def both(tmp_path, graph: GraphSchema, inputs=None, targets=None):
    """(outputs, calls) from Dask, then from ours; an exception is returned as (type, message, cause type)."""
    results = []
    for run in (perf._dask_run, perf._run_graph):
        runner = DaskGraphRunner(graph, LocalModelStorage(tmp_path), ExecutionContext(graph, "test"))
        CALLS.clear()
        try:
            out = run(runner, inputs=inputs, targets=targets)
        except Exception as e:  # noqa: BLE001  (compared below)
            out = (type(e), str(e), type(e.__cause__))
        results.append((out, sorted(CALLS)))
    return results


@pytest.mark.parametrize("targets", [["d"], ["b"], ["a", "d"], ["d", "unrelated"], ["c"]])
def test_same_outputs_and_same_nodes_run_once(tmp_path, targets):
    dask, ours = both(tmp_path, schema(), inputs={"__input__": 7}, targets=targets)
    assert ours == dask
    assert set(ours[0]) == set(targets)


def test_worked_example(tmp_path):
    (out, calls), _ = both(tmp_path, schema(), inputs={"__input__": 7}, targets=["d"])
    assert out == {"d": 1000 + (10 + 1) + (100 + 1 + 7)}
    assert calls == ["a", "b", "c", "d"]


def test_what_a_node_receives(tmp_path):
    graph = schema(e=node({"x": "a", "y": "__input__"}, component=Echo))
    dask, ours = both(tmp_path, graph, inputs={"__input__": [1, 2]}, targets=["e"])
    assert ours == dask
    assert ours[0] == {"e": {"x": 1, "y": [1, 2]}}


def test_a_need_that_nothing_provides(tmp_path):
    graph = schema(e=node({"x": "a", "z": "__nobody__"}, component=Echo))
    dask, ours = both(tmp_path, graph, inputs={"__input__": 7}, targets=["e"])
    assert ours == dask
    assert ours[0][0] is GraphRunError and "Missing input to run node" in ours[0][1]


def test_an_input_replaces_the_node_of_its_name(tmp_path):
    dask, ours = both(tmp_path, schema(), inputs={"__input__": 7, "b": 40}, targets=["d"])
    assert ours == dask
    assert "b" not in ours[1]


def test_default_targets(tmp_path):
    graph = schema()
    graph.nodes["d"].is_target = True
    dask, ours = both(tmp_path, graph, inputs={"__input__": 7})
    assert ours == dask and set(ours[0]) == {"d"}


def test_input_value_clashing_with_a_node_name(tmp_path):
    dask, ours = both(tmp_path, schema(), inputs={"__input__": "a"}, targets=["d"])
    assert ours == dask
    assert ours[0][0] is GraphRunError and "clashes with a node name" in ours[0][1]


def test_a_failing_node_raises_the_same_error(tmp_path):
    graph = schema(b=node({"x": "a"}, 10, "b", fail=True))
    dask, ours = both(tmp_path, graph, inputs={"__input__": 7}, targets=["d"])
    assert ours[0] == dask[0]  # which independent nodes ran before the failure depends on the order
    assert ours[0][0] is GraphComponentException and "d" not in ours[1]


def test_patch_is_applied():
    assert DaskGraphRunner.run is perf._run_graph


# The trained model: the same parse and the same predictions as with Dask.

MESSAGES = ["hello", "my left leg has been weak for a week and I have diabetes", "no facial drooping",
            "my face is drooping and my speech is slurred", "what exercises can I do?", "thanks", "", "ok"]


@pytest.fixture(scope="module")
def model_runner(trained_model, tmp_path_factory):
    from rasa.engine import loader
    metadata, runner = loader.load_predict_graph_runner(
        tmp_path_factory.mktemp("model"), trained_model, LocalModelStorage, DaskGraphRunner)
    return metadata, runner


def parse(run, runner, metadata, text):
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.core.channels.channel import UserMessage
    message = UserMessage(text, sender_id="graph-test")
    out = run(runner, inputs={PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: None},
              targets=[metadata.nlu_target])
    return out[metadata.nlu_target][0].as_dict(only_output_properties=True)


@pytest.mark.parametrize("text", MESSAGES)
def test_model_parses_the_same(model_runner, text):
    metadata, runner = model_runner
    assert parse(perf._run_graph, runner, metadata, text) == parse(perf._dask_run, runner, metadata, text)


def test_model_predicts_the_same(model_runner):
    """Every prediction along two conversations (one with an emergency) is the same with both runners."""
    from rasa.engine.constants import PLACEHOLDER_TRACKER
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    metadata, runner = model_runner
    domain = metadata.domain
    compared, actions = 0, []
    for texts in (MESSAGES[:3], ["hi", "my face is drooping and my speech is slurred", "yes"]):
        tracker = DialogueStateTracker.from_events("graph-test", [ActionExecuted("action_listen")],
                                                   slots=domain.slots)
        for text in texts:
            parsed = parse(perf._run_graph, runner, metadata, text)
            tracker.update(UserUttered(text, parsed.get("intent"), parsed.get("entities"), parse_data=parsed))
            for _ in range(4):  # follow the predicted actions until the bot listens again
                ours = perf._run_graph(runner, inputs={PLACEHOLDER_TRACKER: tracker},
                                       targets=[metadata.core_target])[metadata.core_target]
                dask = perf._dask_run(runner, inputs={PLACEHOLDER_TRACKER: tracker},
                                      targets=[metadata.core_target])[metadata.core_target]
                assert (ours.probabilities, ours.policy_name, ours.events, ours.optional_events) == \
                       (dask.probabilities, dask.policy_name, dask.events, dask.optional_events)
                compared += 1
                action = domain.action_names_or_texts[ours.max_confidence_index]
                actions.append(action)
                for event in ours.events:
                    tracker.update(event)
                tracker.update(ActionExecuted(action))
                if action == "action_listen":
                    break
    assert compared >= 6
    assert "utter_emergency" in actions and "triage_form" in actions  # both paths were compared
