"""Run Rasa's small model graphs directly instead of through dask's scheduler."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot.runtime.rasa_patches.registry import RASA, Patch, replace

NAME = "graph_runner"


def execute_graph(graph: Dict[Any, Any], targets: Any) -> List[Any]:
    """The values of `targets` in a dask-format graph (docs.dask.org/en/latest/spec.html),
    as `dask.get` computes them for the graphs Rasa builds: a task is a tuple
    `(callable, *arguments)`; an argument that names another key of the graph is
    replaced by that key's value, any other argument is passed as it is; anything
    that is not a task is a literal value. Each key is computed once, dependencies
    first. A cycle raises RuntimeError, which Rasa turns into GraphRunError, as
    it does dask's."""
    values: Dict[Any, Any] = {}
    running: set = set()

    def value(key: Any) -> Any:
        if key in values:
            return values[key]
        if key in running:
            raise RuntimeError(f"Cycle detected in the graph at '{key}'")
        running.add(key)
        task = graph[key]
        if type(task) is tuple and task and callable(task[0]):
            args = [value(a) if isinstance(a, str) and a in graph else a for a in task[1:]]
            result = task[0](*args)
        else:
            result = task
        running.discard(key)
        values[key] = result
        return result

    return [value(target) for target in targets]



def apply(settings: Any = None) -> None:
    """Rasa runs its model graph through dask's synchronous scheduler: once to
    parse each message and once for every action it predicts (3-5 times a
    message). For graphs this small (a chain of NLU components; a handful of
    policies), dask's own bookkeeping (ordering, task queues, callbacks) was
    about a tenth of the server's time. The same nodes run with the same inputs
    through `execute_graph`; the graph Rasa builds for a set of targets is built
    once and copied for each run."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    if getattr(DaskGraphRunner.run, "_unknot_direct", False):
        return

    def run(self: Any, inputs: Optional[Dict[str, Any]] = None,
            targets: Optional[List[str]] = None) -> Dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        built = self.__dict__.setdefault("_unknot_graphs", {})
        key = tuple(run_targets)
        graph = built.get(key)
        if graph is None:
            graph = self._build_dask_graph(self._graph_schema.minimal_graph_schema(run_targets))
            built[key] = graph
        graph = dict(graph)
        if inputs:
            self._add_inputs_to_graph(inputs, graph)
        try:
            return dict(execute_graph(graph, run_targets))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e

    run._unknot_direct = True  # type: ignore[attr-defined]
    replace(DaskGraphRunner, "run", run, NAME)



PATCH = Patch(NAME, "speedups", (RASA,), apply)
