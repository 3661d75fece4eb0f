"""BPMN 2.0 out and in: a process (scenario + levers) as a BPMN diagram that bpmn.io or
Camunda Modeler opens, and a BPMN process (tasks, lanes, flows, gateways) as a scenario.

Out: the applicant's journey read top to bottom, one lane per department, the single
window, the post and the applicant.  Each visit is travel (a trip), the window service and,
where items can be sent back, an exclusive gateway looping through "gather missing
materials"; the items a visit files are decided in the back office, in a parallel block
when several are decided at once; with a single window the platform decides them level
by level of the dependency DAG.  Tasks carry ``onething:role`` and ``onething:item``
attributes, and decisions ``onething:requires`` (decisions taken one after another show
their order, not which items need which) and ``onething:steps``, and the process
``onething:levers`` (parallel approval is not always a gateway), so a diagram written
here comes back with its journey, dependencies and steps intact.

In: each task is an item of the lane's department (or, in a diagram written here, the
decision tasks are), its dependencies are the tasks before it, a parallel gateway means
parallel approval, an exclusive gateway looping back means rework.  What has no place in
the model (events other than start and end, inclusive or event-based gateways,
sub-processes, a choice between tasks) is listed, never dropped silently.
"""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from onething.scenarios.errors import FileError, Problem
from onething.scenarios.journey import journey
from onething.scenarios.levers import SINGLE_WINDOW, Process
from onething.scenarios.mechanics import paper_travels
from onething.scenarios.model import (
    MAX_ITEMS,
    MAX_REWORK,
    Repeat,
    Unit,
    new_identifier,
    required_closure,
)
from onething.scenarios.prosimos_reader import apply_params, durations_from_params
from onething.scenarios.safe_xml import elements

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
ONETHING = "https://onething.example/bpmn"
APPLICANT = "applicant"
POST = "post"
PLATFORM = "platform"

TASK_W, TASK_H, GATE, LANE_H, STEP = 110, 60, 40, 120, 150


@dataclass
class Node:
    id: str
    kind: str
    """startEvent, endEvent, task, exclusiveGateway, parallelGateway, inclusiveGateway."""
    name: str
    lane: str
    role: str = ""
    """travel, window, gather, decide, mail, paper (onething's own reading); on gateways,
    repeat and alternative."""
    item: str = ""
    requires: tuple[str, ...] | None = None
    """A decision's item dependencies, written out: with the decisions in one sequence
    (siloed, or a single window without parallel approval) the flows show only their
    order, not the dependency DAG."""
    steps: tuple[str, ...] = ()
    """A decision's steps (环节: apply, review, inspect...), which no BPMN construct shows."""
    items: tuple[str, ...] = ()
    collects: bool = False
    take_up: float = 1.0
    """A decision's item taken by this share of applicants (选办)."""
    repeat: str = ""
    """A decision's ``Item.repeat`` written out (``redo=0.4``, ``rounds=0.5,0.3,0.2``)."""
    column: int = 0


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    flows: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(id, source, target, name)."""
    probabilities: dict[str, dict[str, float]] = field(default_factory=dict)
    """Exclusive or inclusive gateway id -> flow id -> probability (of an inclusive
    gateway's flows, each is taken on its own)."""
    _ids: itertools.count = field(default_factory=itertools.count)
    column: int = 0

    def add(self, kind: str, name: str, lane: str, **extra: Any) -> Node:
        node = Node(f"{kind}_{next(self._ids)}", kind, name, lane, column=self.column, **extra)
        self.nodes.append(node)
        self.column += 1
        return node

    def flow(self, source: Node, target: Node, name: str = "") -> str:
        flow_id = f"flow_{next(self._ids)}"
        self.flows.append((flow_id, source.id, target.id, name))
        return flow_id


@dataclass
class Exported:
    xml: str
    graph: Graph
    notes: list[str]
    """What in the model has no exact BPMN (or Prosimos) counterpart."""


def _returns(chances: list[float]) -> float:
    """How often on average an applicant comes back to a visit whose items are sent back
    (补正) with ``chances``: onething re-files only the items sent back, each drawn again,
    so a k-th return happens when some item was sent back k times in a row."""
    returns, k = 0.0, 1
    while k <= 1000:
        keep = 1.0
        for p in chances:
            keep *= 1.0 - p**k
        returns += 1.0 - keep
        if 1.0 - keep < 1e-9:
            break
        k += 1
    return returns


def _rework_chance(process: Process, items: tuple[str, ...]) -> float:
    """The chance of the loop back of a visit: BPMN's one loop re-files the whole visit
    each time, so its chance is the one whose geometric number of returns has the mean
    of onething's (``_returns``)."""
    returns = _returns([process.rework(key) for key in items])
    return returns / (1.0 + returns)


def _item_chance(loop: float, files: int) -> float:
    """The chance of each of ``files`` items alike whose visit loops back with ``loop``
    (``_rework_chance`` inverted)."""
    if loop >= 1.0:
        return 1.0
    wanted, low, high = loop / (1.0 - loop), 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if _returns([mid] * files) < wanted else (low, mid)
    return low


class _Builder:
    def __init__(self, process: Process):
        self.process = process
        self.g = Graph()
        self.notes: list[str] = []
        self.pending: dict[str, tuple[str, float]] = {}
        """Loop splits (rework, a repeat) whose 'no' flow goes to whatever comes next:
        split id -> (the flow back, its chance)."""
        s = process.scenario
        self.alternative_of = {
            k: name for name, options in s.alternatives.items() for o in options for k in o.items
        }

    def chain(self, last: Node, node: Node, name: str = "") -> Node:
        if last.id in self.pending:
            back, chance = self.pending.pop(last.id)
            on = self.g.flow(last, node, "no")
            self.g.probabilities[last.id] = {back: chance, on: 1.0 - chance}
            return node
        self.g.flow(last, node, name)
        return node

    def visit(self, last: Node, visit, place: str) -> Node:  # noqa: ANN001 - a journey Visit
        p = self.process
        if visit.trip:
            where = p.place_name(place)
            last = self.chain(
                last, self.g.add("task", f"Travel to {where}", APPLICANT, role="travel")
            )
        chance = _rework_chance(p, visit.file)
        merge = None
        if chance > 0:
            merge = self.chain(last, self.g.add("exclusiveGateway", "", APPLICANT))
            last = merge
        parts = []
        if visit.file:
            parts.append(
                ("File online: " if visit.online else "Hand over: ") + ", ".join(visit.file)
            )
        if visit.collect:
            parts.append("Collect: " + ", ".join(visit.collect))
        lane = APPLICANT if visit.online else place
        window = self.g.add(
            "task", "; ".join(parts), lane, role="window", items=visit.file,
            collects=bool(visit.collect),
        )  # fmt: skip
        last = self.chain(last, window)
        if merge is not None:
            split = self.chain(last, self.g.add("exclusiveGateway", "Sent back (补正)?", place))
            gather = self.g.add("task", "Gather missing materials", APPLICANT, role="gather")
            back = self.g.flow(split, gather, "yes")
            tail = gather
            if not visit.online:
                where = p.place_name(place)
                tail = self.chain(
                    gather, self.g.add("task", f"Travel to {where}", APPLICANT, role="travel")
                )
            self.g.flow(tail, merge)
            self.pending[split.id] = (back, chance)
            last = split
            if len(visit.file) > 1:
                self.notes.append(
                    f"rework at {place}: BPMN re-files every item of the visit; onething "
                    "re-files only those sent back"
                )
        return last

    def decide(self, last: Node, keys: tuple[str, ...]) -> Node:
        """The back office decides ``keys`` at once (a parallel block for several); where
        some applicants skip some of them, an inclusive block: a branch per item taken by
        a share (its take-up), and per alternative one taken always, an exclusive choice
        of its options inside."""
        if not keys:
            return last
        s = self.process.scenario
        groups = list(
            dict.fromkeys(self.alternative_of[k] for k in keys if k in self.alternative_of)
        )
        optional = {k: s.items[k].take_up for k in keys if s.items[k].take_up < 1}
        if not groups and not optional:
            if len(keys) == 1:
                return self._decision(last, keys[0])
            return self._block(last, "parallelGateway", [(key, 1.0) for key in keys])
        branches: list[tuple[str, float]] = [
            (k, optional.get(k, 1.0)) for k in keys if k not in self.alternative_of
        ]
        branches += [(f"alternative:{name}", 1.0) for name in groups]
        for name in groups:
            members = {k for o in s.alternatives[name] for k in o.items}
            if members - set(keys):
                self.notes.append(
                    f"alternative {name}: its items are decided at different steps; BPMN "
                    "chooses at each step apart"
                )
        if groups and branches == [(f"alternative:{groups[0]}", 1.0)]:  # the alternative alone
            split = self.chain(last, self._option_split())
            return self._options(split, groups[0], keys)
        return self._block(last, "inclusiveGateway", branches, keys)

    def _option_split(self) -> Node:
        return self.g.add("exclusiveGateway", "Which option?", PLATFORM, role="alternative")

    def _block(
        self,
        last: Node,
        kind: str,
        branches: list[tuple[str, float]],
        keys: tuple[str, ...] = (),
    ) -> Node:
        """A fork of ``kind``, a branch per item (or alternative), and its join; an
        inclusive fork takes each branch by its own chance, and where every branch may be
        skipped, a flow straight to the join is always taken."""
        fork = self.chain(last, self.g.add(kind, "", PLATFORM))
        join = Node(f"join_{next(self.g._ids)}", kind, "", PLATFORM)
        start_column = self.g.column
        ends, chances = [], {}
        for branch, chance in branches:
            self.g.column = start_column
            if branch.startswith("alternative:"):
                first = self._option_split()
                flow = self.g.flow(fork, first)
                ends.append(self._options(first, branch.removeprefix("alternative:"), keys))
            else:
                before = len(self.g.flows)
                ends.append(self._decision(fork, branch))
                flow = self.g.flows[before][0]
            chances[flow] = chance
        self.g.column = start_column + 4
        join.column = self.g.column
        self.g.column += 1
        self.g.nodes.append(join)
        if kind == "inclusiveGateway":
            if all(chance < 1 for chance in chances.values()):  # some applicants take none
                chances[self.g.flow(fork, join)] = 1.0
            self.g.probabilities[fork.id] = chances
        for end in ends:
            self.chain(end, join)
        return join

    def _options(self, split: Node, name: str, keys: tuple[str, ...]) -> Node:
        """An alternative's options among ``keys``: each its decisions (several at once
        in a parallel block), taken by its share; the options with none of them go
        straight to the merge."""
        merge = Node(f"merge_{next(self.g._ids)}", "exclusiveGateway", "", PLATFORM)
        chances: dict[str, float] = {}
        ends, skipped = [], 0.0
        for option in self.process.scenario.alternatives[name]:
            items = [k for k in option.items if k in keys]
            if not items:
                skipped += option.share
                continue
            before = len(self.g.flows)
            if len(items) > 1:
                end = self._block(split, "parallelGateway", [(key, 1.0) for key in items])
            else:
                end = self._decision(split, items[0])
            chances[self.g.flows[before][0]] = option.share
            ends.append(end)
        merge.column = self.g.column
        self.g.column += 1
        self.g.nodes.append(merge)
        if skipped:
            chances[self.g.flow(split, merge)] = skipped
        for end in ends:
            self.chain(end, merge)
        self.g.probabilities[split.id] = chances
        return merge

    def _decision(self, last: Node, key: str) -> Node:
        """Decide one item: after the paper transfer where paper travels, in a loop where
        it repeats (taken again with the chance that gives its mean rounds), then by mail
        where it is mailed."""
        p = self.process
        item = p.item(key)
        if item.waiting_period is not None:
            self.notes.append(
                f"{key}: its waiting period (decided no earlier than that after the case "
                "opened) has no BPMN or Prosimos form and is left out"
            )
        if item.processing_when_closed is not None:
            self.notes.append(
                f"{key}: its time for filings while its department is closed has no BPMN "
                "or Prosimos form; every filing takes its processing"
            )
        if item.runs is not None:
            self.notes.append(
                f"{key}: the job deciding {item.runs.share:.0%} of its cases at set times "
                "of day is left out (its back office decides them all)"
            )
        if item.decided_within is not None:
            self.notes.append(
                f"{key}: its latest decision after the case opened (decided_within) has no "
                "BPMN or Prosimos form and is left out"
            )
        if p.integrated and paper_travels(p, key):
            last = self.chain(
                last, self.g.add("task", f"Paper transfer for {key}", PLATFORM, role="paper")
            )
        merge = None
        if item.repeat is not None:
            merge = self.chain(
                last, self.g.add("exclusiveGateway", "", item.department, role="repeat")
            )
            last = merge
        last = self.chain(
            last,
            self.g.add(
                "task",
                f"Decide {key}",
                item.department,
                role="decide",
                item=key,
                requires=item.requires,
                steps=tuple(item.steps),
                take_up=item.take_up,
                repeat=_repeat_text(item.repeat),
            ),
        )
        if merge is not None and item.repeat is not None:
            split = self.chain(
                last,
                self.g.add("exclusiveGateway", "Again?", item.department, role="repeat"),
            )
            back = self.g.flow(split, merge, "yes")
            self.pending[split.id] = (back, 1 - 1 / item.repeat.mean)
            if item.repeat.rounds is not None:
                self.notes.append(
                    f"{key}: its rounds are a loop taken again with one chance (the same mean "
                    "rounds); onething draws them from their distribution"
                )
            if item.repeat.within is not None:
                self.notes.append(
                    f"{key}: the deadline on its rounds has no BPMN or Prosimos form and is "
                    "left out (kept in onething:repeat)"
                )
            last = split
        if p.delivery(key) == "mail":
            last = self.chain(
                last, self.g.add("task", f"Mail result of {key}", POST, role="mail", item=key)
            )
        return last

    def note_level_waits(self) -> None:
        """Parallel approval goes out as one block per level of the dependencies: an
        item then waits for every item of the levels before its own, also those it does
        not need (one requiring A only, beside B, waits for B too)."""
        p = self.process
        before: list[str] = []
        for level in p.levels:
            for key in level:
                needs = required_closure(p.scenario, key)
                extra = [k for k in before if k not in needs]
                if extra:
                    self.notes.append(
                        f"parallel approval in levels: in BPMN {key} also waits for "
                        f"{', '.join(extra)}, which it does not need; onething starts it "
                        "once what it requires is decided"
                    )
            before += level

    def build(self) -> Graph:
        p = self.process
        last = self.g.add("startEvent", "Applicant arrives", APPLICANT)
        visits = journey(p)
        if p.integrated:
            filing, *collecting = visits
            last = self.visit(last, filing, SINGLE_WINDOW)
            if p.parallel:
                for level in p.levels:
                    last = self.decide(last, level)
                self.note_level_waits()
            else:
                for key in p.order:
                    last = self.decide(last, (key,))
            for visit in collecting:
                last = self.visit(last, visit, SINGLE_WINDOW)
        else:
            if p.parallel:
                self.notes.append(
                    "parallel approval without a single window: the applicant's round of "
                    "visits is drawn one visit after another"
                )
            for visit in visits:
                last = self.visit(last, visit, visit.place)
                last = self.decide(last, visit.file)
        self.chain(last, self.g.add("endEvent", "All results in hand", APPLICANT))
        self.notes += [
            "a window service begun before closing is finished in onething; BPMN engines "
            "may stop it at the close",
            "arrivals: hourly and weekday profiles are not part of BPMN",
        ]
        return self.g


def _repeat_text(repeat: Repeat | None) -> str:
    if repeat is None:
        return ""
    if repeat.redo is not None:
        text = f"redo={repeat.redo:g}"
    else:
        text = "rounds=" + ",".join(f"{w:g}" for w in repeat.rounds or [])
    if repeat.within is not None:
        text += f";within={repeat.within.value:g} {repeat.within.unit}"
    return text


def _repeat_of(text: str) -> dict[str, Any] | None:
    """``Item.repeat`` from a decision's ``onething:repeat`` (None when it is not one; a
    deadline that does not read is left out)."""
    count, _, deadline = text.partition(";")
    kind, _, values = count.partition("=")
    try:
        numbers = [float(v) for v in values.split(",") if v]
    except ValueError:
        return None
    if kind == "redo" and len(numbers) == 1:
        repeat: dict[str, Any] = {"redo": numbers[0]}
    elif kind == "rounds" and numbers:
        repeat = {"rounds": numbers}
    else:
        return None
    value, _, unit = deadline.removeprefix("within=").partition(" ")
    try:
        if unit in get_args(Unit):
            repeat["within"] = {"dist": "fixed", "value": float(value), "unit": unit}
    except ValueError:
        pass
    return repeat


def lanes_of(process: Process, graph: Graph) -> list[tuple[str, str]]:
    """(lane id, label) in drawing order: applicant, the window places, back offices."""
    used = list(dict.fromkeys(n.lane for n in graph.nodes))
    order = [APPLICANT, SINGLE_WINDOW, *process.scenario.departments, PLATFORM, POST]
    ids = [lane for lane in order if lane in used] + [x for x in used if x not in order]
    labels = {APPLICANT: "Applicant 申请人", POST: "Post 邮寄", PLATFORM: "Platform 平台"}
    return [(lane, labels.get(lane) or process.place_name(lane)) for lane in ids]


def export(process: Process) -> Exported:
    graph = _Builder(process).build()
    builder_notes = _Builder(process)
    builder_notes.build()
    return Exported(_xml(process, graph), graph, builder_notes.notes)


def _xml(process: Process, graph: Graph) -> str:
    ET.register_namespace("bpmn", BPMN)
    ET.register_namespace("bpmndi", BPMNDI)
    ET.register_namespace("dc", DC)
    ET.register_namespace("di", DI)
    ET.register_namespace("onething", ONETHING)
    q = lambda ns, tag: f"{{{ns}}}{tag}"  # noqa: E731
    name = process.scenario.name
    defs = ET.Element(
        q(BPMN, "definitions"),
        {
            "id": f"definitions_{name}",
            "targetNamespace": "https://onething.example/scenarios",
            "exporter": "onething",
            "exporterVersion": "1",
        },
    )
    collab = ET.SubElement(defs, q(BPMN, "collaboration"), {"id": "collaboration"})
    proc_id = f"process_{name}_{process.label.replace('+', '_')}"
    ET.SubElement(
        collab,
        q(BPMN, "participant"),
        {"id": "participant", "name": process.scenario.title, "processRef": proc_id},
    )
    proc = ET.SubElement(
        defs,
        q(BPMN, "process"),
        {
            "id": proc_id,
            "isExecutable": "false",
            q(ONETHING, "levers"): ",".join(sorted(process.levers)),
        },
    )
    if process.scenario.alternatives:
        alternatives = {
            name: [o.model_dump() for o in options]
            for name, options in process.scenario.alternatives.items()
        }
        proc.set(q(ONETHING, "alternatives"), json.dumps(alternatives))
    lanes = lanes_of(process, graph)
    lane_set = ET.SubElement(proc, q(BPMN, "laneSet"), {"id": "lanes"})
    for lane, label in lanes:
        element = ET.SubElement(lane_set, q(BPMN, "lane"), {"id": f"lane_{lane}", "name": label})
        for node in graph.nodes:
            if node.lane == lane:
                ET.SubElement(element, q(BPMN, "flowNodeRef")).text = node.id
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow_id, source, target, _ in graph.flows:
        outgoing.setdefault(source, []).append(flow_id)
        incoming.setdefault(target, []).append(flow_id)
    for node in graph.nodes:
        attrs = {"id": node.id, "name": node.name}
        if node.kind == "exclusiveGateway" and len(outgoing.get(node.id, [])) > 1:
            attrs["gatewayDirection"] = "Diverging"
        if node.role:
            attrs[q(ONETHING, "role")] = node.role
        if node.item:
            attrs[q(ONETHING, "item")] = node.item
        if node.requires is not None:
            attrs[q(ONETHING, "requires")] = ",".join(node.requires)
        if node.steps:
            attrs[q(ONETHING, "steps")] = ",".join(node.steps)
        if node.items:
            attrs[q(ONETHING, "files")] = ",".join(node.items)
        if node.collects:
            attrs[q(ONETHING, "collects")] = "true"
        if node.take_up < 1:
            attrs[q(ONETHING, "take_up")] = f"{node.take_up:g}"
        if node.repeat:
            attrs[q(ONETHING, "repeat")] = node.repeat
        element = ET.SubElement(proc, q(BPMN, node.kind), attrs)
        for flow_id in incoming.get(node.id, []):
            ET.SubElement(element, q(BPMN, "incoming")).text = flow_id
        for flow_id in outgoing.get(node.id, []):
            ET.SubElement(element, q(BPMN, "outgoing")).text = flow_id
    for flow_id, source, target, label in graph.flows:
        attrs = {"id": flow_id, "sourceRef": source, "targetRef": target}
        if label:
            attrs["name"] = label
        ET.SubElement(proc, q(BPMN, "sequenceFlow"), attrs)
    _diagram(defs, q, graph, lanes)
    ET.indent(defs)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(defs, encoding="unicode")


def _diagram(defs: ET.Element, q, graph: Graph, lanes: list[tuple[str, str]]) -> None:  # noqa: ANN001
    """Shapes and edges (BPMN DI) so a modeller draws the diagram: columns left to right
    in the order of the story, one row per lane."""
    diagram = ET.SubElement(defs, q(BPMNDI, "BPMNDiagram"), {"id": "diagram"})
    plane = ET.SubElement(
        diagram, q(BPMNDI, "BPMNPlane"), {"id": "plane", "bpmnElement": "collaboration"}
    )
    row = {lane: i for i, (lane, _) in enumerate(lanes)}
    width = 80 + STEP * (max(n.column for n in graph.nodes) + 1)
    _shape(plane, q, "participant", 0, 0, width + 30, LANE_H * len(lanes), horizontal=True)
    for lane, _ in lanes:
        _shape(plane, q, f"lane_{lane}", 30, row[lane] * LANE_H, width, LANE_H, horizontal=True)
    centre: dict[str, tuple[float, float]] = {}
    for node in graph.nodes:
        w, h = (
            (TASK_W, TASK_H)
            if node.kind == "task"
            else (36, 36)
            if "Event" in node.kind
            else (
                GATE,
                GATE,
            )
        )
        x = 60 + STEP * node.column
        y = row[node.lane] * LANE_H + (LANE_H - h) / 2
        _shape(plane, q, node.id, x, y, w, h)
        centre[node.id] = (x + w / 2, y + h / 2)
    for flow_id, source, target, _ in graph.flows:
        edge = ET.SubElement(
            plane, q(BPMNDI, "BPMNEdge"), {"id": f"{flow_id}_di", "bpmnElement": flow_id}
        )
        for x, y in (centre[source], centre[target]):
            ET.SubElement(edge, q(DI, "waypoint"), {"x": f"{x:.0f}", "y": f"{y:.0f}"})


def _shape(plane, q, element: str, x: float, y: float, w: float, h: float, horizontal=False):  # noqa: ANN001, ANN202
    attrs = {"id": f"{element}_di", "bpmnElement": element}
    if horizontal:
        attrs["isHorizontal"] = "true"
    shape = ET.SubElement(plane, q(BPMNDI, "BPMNShape"), attrs)
    ET.SubElement(
        shape,
        q(DC, "Bounds"),
        {"x": f"{x:.0f}", "y": f"{y:.0f}", "width": f"{w:.0f}", "height": f"{h:.0f}"},
    )


# --- in ------------------------------------------------------------------------------

FLOW_NODES = {
    "task", "userTask", "serviceTask", "manualTask", "scriptTask", "businessRuleTask",
    "sendTask", "receiveTask", "startEvent", "endEvent", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway",
}  # fmt: skip
MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 128
"""definitions > process > laneSet > lane > childLaneSet > lane ...: sixty levels of lanes."""
MAX_NODES = 5_000
"""Flow nodes read: a bundle of government services has dozens of tasks, not thousands."""
MAX_PROBLEMS = 10
IGNORED = {"incoming", "outgoing", "laneSet", "sequenceFlow", "documentation",
           "extensionElements", "textAnnotation", "association"}  # fmt: skip


@dataclass
class Imported:
    scenario: dict[str, Any]
    unmapped: list[str]


@dataclass
class Written:
    """What a diagram written by onething says of its process beyond BPMN: the levers
    (None for another tool's diagram) and the alternatives."""

    levers: set[str] | None = None
    alternatives: dict[str, Any] = field(default_factory=dict)


def read_params(path: Path) -> dict[str, Any]:
    """Prosimos simulation parameters: a JSON object (its fields are read leniently)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileError(path, [Problem("(file)", f"cannot read: {exc.strerror}")]) from None
    except (ValueError, RecursionError) as exc:  # RecursionError: nested past Python's stack
        reason = f"not JSON: {exc}" if isinstance(exc, ValueError) else "nested too deep"
        raise FileError(path, [Problem("(file)", reason)]) from None
    if not isinstance(data, dict):
        raise FileError(path, [Problem("(top)", "expected an object of Prosimos parameters")])
    return data


def read_bpmn(
    path: Path,
) -> tuple[dict[str, dict], list[tuple[str, str, str]], dict, list[str], Written]:
    """Flow nodes (id -> tag, name, lane, onething attributes), flows, lanes, unmapped,
    and what a diagram written by onething says of its process (``Written``).  Read
    within ``safe_xml``'s limits, a file of at most ``MAX_BYTES``; ids must be unique and
    flows must join flow nodes of the process."""
    try:
        if path.stat().st_size > MAX_BYTES:
            reason = f"larger than {MAX_BYTES:,} bytes: no process model is"
            raise FileError(path, [Problem("(file)", reason)])
        with path.open("rb") as raw:
            root = None
            for _, element, _ in elements(path, raw, MAX_DEPTH, "BPMN"):
                root = element if root is None else root
    except OSError as exc:
        raise FileError(path, [Problem("(file)", f"cannot read: {exc.strerror}")]) from None
    processes = [e for e in root.iter() if e.tag == f"{{{BPMN}}}process"]
    if not processes:
        raise FileError(path, [Problem("(file)", "no BPMN 2.0 <process> in the file")])
    unmapped: list[str] = []
    if len(processes) > 1:
        unmapped.append(f"{len(processes) - 1} further process(es): only the first is read")
    proc = processes[0]
    named = proc.get(f"{{{ONETHING}}}levers")
    written = Written(None if named is None else {x for x in named.split(",") if x})
    try:
        alternatives = json.loads(proc.get(f"{{{ONETHING}}}alternatives") or "{}")
    except ValueError:
        alternatives = None
    if isinstance(alternatives, dict):
        written.alternatives = alternatives
    else:
        unmapped.append("onething:alternatives is not a JSON object: left out")
    lane_of: dict[str, str] = {}
    lanes: dict[str, str] = {}
    for lane in proc.iter(f"{{{BPMN}}}lane"):  # a nested lane comes later and wins
        lanes[lane.get("id", "")] = lane.get("name") or lane.get("id", "")
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = lane.get("id", "")
    nodes: dict[str, dict] = {}
    flows: list[tuple[str, str, str]] = []
    problems: list[Problem] = []
    for element in proc:
        tag = element.tag.rsplit("}", 1)[-1]
        ident = element.get("id", "")
        if tag in IGNORED and tag != "sequenceFlow":
            continue
        if not ident:
            problems.append(Problem(tag, "no id"))
        elif ident in nodes and tag != "sequenceFlow":
            problems.append(Problem(f"{tag} {ident!r}", "id used twice"))
        if tag == "sequenceFlow":
            flows.append((ident, element.get("sourceRef", ""), element.get("targetRef", "")))
        elif tag in FLOW_NODES:
            nodes[ident] = {
                "tag": tag,
                "name": (element.get("name") or ident).strip(),
                "lane": lane_of.get(ident, ""),
                **{k.rsplit("}", 1)[-1]: v for k, v in element.attrib.items() if ONETHING in k},
            }
        else:
            name = element.get("name", "")
            unmapped.append(f"{tag} {ident!r} ({name}): no counterpart, passed through")
            nodes[ident] = {"tag": tag, "name": name or ident, "lane": lane_of.get(ident, "")}
    flow_ids = Counter(f for f, _, _ in flows)
    problems += [
        Problem(f"sequenceFlow {f!r}", "id used twice" if n > 1 else "id of a flow node too")
        for f, n in flow_ids.items()
        if f and (n > 1 or f in nodes)
    ]
    for flow_id, source, target in flows:
        for end, ref in (("sourceRef", source), ("targetRef", target)):
            if ref not in nodes:
                reason = f"{end} {ref!r} is no flow node of the process"
                problems.append(Problem(f"sequenceFlow {flow_id!r}", reason))
    if len(nodes) > MAX_NODES:
        reason = f"{len(nodes):,} flow nodes: at most {MAX_NODES:,} are read"
        problems.append(Problem("process", reason))
    if problems:
        raise FileError(path, problems[:MAX_PROBLEMS])
    return nodes, flows, lanes, unmapped, written


def import_bpmn(
    path: Path, params: dict | None = None, params_path: Path | str = "--params"
) -> Imported:
    """A scenario from the BPMN process at ``path`` and, if given, Prosimos parameters
    (read from ``params_path``): fields of the wrong type there are that file's error."""
    nodes, flows, lanes, unmapped, written = read_bpmn(path)
    if not params:
        return _imported(path, nodes, flows, lanes, unmapped, written, None)
    try:
        return _imported(path, nodes, flows, lanes, unmapped, written, params)
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as exc:
        reason = f"not Prosimos parameters: {type(exc).__name__}: {exc}"
        raise FileError(params_path, [Problem("(file)", reason)]) from None


def _imported(path, nodes, flows, lanes, unmapped, written, params) -> Imported:  # noqa: ANN001
    levers = written.levers
    succ: dict[str, list[tuple[str, str]]] = {}
    for flow_id, source, target in flows:
        succ.setdefault(source, []).append((flow_id, target))
    starts = [i for i, n in nodes.items() if n["tag"] == "startEvent"]
    if not starts:
        raise FileError(path, [Problem("process", "no start event")])
    order, back_edges, reached = _depth_first(starts, succ)
    ours = any(n.get("role") for n in nodes.values())
    is_item = (
        (lambda n: n.get("role") == "decide") if ours else (lambda n: n["tag"].endswith("ask"))
    )
    rework, loop_nodes, loop_gateways, redo = _rework(nodes, succ, back_edges, params)
    # a diagram of ours lists tasks in the order of the story; others in flow order
    items = [
        i
        for i in (nodes if ours else order)
        if is_item(nodes[i]) and i in reached and i not in loop_nodes
    ]
    if not items:
        raise FileError(path, [Problem("process", "no task reachable from a start event")])
    if len(items) > MAX_ITEMS:
        reason = f"{len(items)} tasks read as items; a scenario holds at most {MAX_ITEMS}"
        raise FileError(path, [Problem("process", reason)])
    direct = _direct_before(order, items, flows, back_edges)
    for gid, g in nodes.items():
        outs = [f for f, _ in succ.get(gid, []) if f not in back_edges]
        chosen = g.get("role") == "alternative"  # a diagram of ours names its alternatives
        if g["tag"] == "exclusiveGateway" and len(outs) > 1 and not chosen:
            if gid in loop_gateways:
                continue
            unmapped.append(
                f"exclusiveGateway {gid!r} ({g['name']}): a choice between paths; the model "
                "does every item, so all paths are kept"
            )
    for node in nodes:
        if node not in reached:
            unmapped.append(f"{nodes[node]['tag']} {node!r}: not reachable from the start")
        elif node in loop_nodes and nodes[node]["tag"].endswith("ask") and not ours:
            unmapped.append(
                f"{nodes[node]['tag']} {node!r} ({nodes[node]['name']}): on a rework loop, "
                "read as the applicant's rework (applicants.rework_delay), not as an item"
            )
    used: set[str] = set()
    keys = {
        i: (nodes[i].get("item") or new_identifier(nodes[i]["name"], used, "item"))
        if ours
        else new_identifier(nodes[i]["name"], used, "item")
        for i in items
    }
    dept_used: set[str] = set()
    departments = {
        lane: lane.removeprefix("lane_")
        if ours
        else new_identifier(lanes[lane], dept_used, "department")
        for lane in dict.fromkeys(nodes[i]["lane"] for i in items)
        if lane
    }
    # a diagram of ours names its levers: decisions in a chain show no gateway, and a
    # siloed visit filing several items at one office shows one without the lever
    parallel = (
        any(n["tag"] == "parallelGateway" for n in nodes.values())
        if levers is None
        else "parallel_approval" in levers
    )
    durations = durations_from_params(params, nodes) if params else {}
    take_up = _take_up(nodes, succ, set(items), params)
    rework_of = _item_rework(rework, nodes)
    deliveries = _deliveries(nodes, ours)
    scenario_items: dict[str, Any] = {}
    placeholders: dict[str, str] = {}
    for i in items:
        lane = nodes[i]["lane"]
        if not lane:
            unmapped.append(f"task {i!r} ({nodes[i]['name']}): in no lane; put in 'office'")
        dept = departments.get(lane, "office")
        key = keys[i]
        if "requires" in nodes[i]:  # a decision written by onething names its dependencies
            requires = [k for k in nodes[i]["requires"].split(",") if k]
        else:
            requires = [keys[b] for b in direct[i]]
        entry: dict[str, Any] = {
            "name": nodes[i]["name"],
            "department": dept,
            "requires": requires,
            "steps": nodes[i]["steps"].split(",") if "steps" in nodes[i] else ["apply", "decide"],
            "handling": durations.get(f"window:{i}", {"dist": "fixed", "value": 0.0}),
            "processing": durations.get(i, {"dist": "fixed", "value": 0.0}),
            "promised": {"dist": "fixed", "value": 5, "unit": "working_days"},
            "rework": rework_of.get(i, 0.0),
            "result": {"delivery": deliveries.get(nodes[i].get("item"), "on_the_spot")},
        }
        if "steps" not in nodes[i]:
            placeholders[f"items.{key}.steps"] = "not in a BPMN model: apply and decide assumed"
        if i not in durations:
            placeholders[f"items.{key}.processing"] = "no duration in the BPMN: fill in"
        if entry["rework"] and not params:
            placeholders[f"items.{key}.rework"] = "a rework loop without a probability: 0.1"
        if "take_up" in nodes[i]:
            entry["take_up"] = _number(nodes[i]["take_up"], 1.0)
        elif i in take_up:
            entry["take_up"] = take_up[i]
        repeat = _repeat_of(nodes[i].get("repeat", ""))
        if repeat is None and i in redo:
            repeat = {"redo": min(MAX_REWORK, redo[i])}
            if not params:
                placeholders[f"items.{key}.repeat"] = "a loop without a probability: 0.5"
        if repeat is not None:
            entry["repeat"] = repeat
        placeholders[f"items.{key}.promised"] = "not in a BPMN model"
        scenario_items[key] = entry
    if "office" in {e["department"] for e in scenario_items.values()}:
        departments["(none)"] = "office"
    scenario = {
        "name": new_identifier(path.stem, set(), "imported"),
        "title": f"Imported from {path.name}",
        "departments": {
            d: {"name": lanes.get(lane, d), "windows": 1} for lane, d in departments.items()
        },
        "materials": {},
        "field_groups": {},
        "items": scenario_items,
        "alternatives": written.alternatives,
        "applicants": {
            "arrivals": {"per_working_day": 10.0},
            "travel": {"dist": "fixed", "value": 30.0},
            "start": "home",
        },
        "after": ["parallel_approval"] if parallel else [],
        "placeholders": {
            "materials": "not in a BPMN model",
            "field_groups": "not in a BPMN model",
            "applicants.arrivals.per_working_day": "not in the BPMN: fill in",
            "applicants.travel": "not in a BPMN model",
            **placeholders,
        },
    }
    if params:
        apply_params(scenario, params, nodes, departments, unmapped)
    if ours:
        _journey_from_ours(scenario, nodes, items, keys, params)
    return Imported(scenario, unmapped)


def _depth_first(
    starts: list[str], succ: dict[str, list[tuple[str, str]]]
) -> tuple[list[str], set[str], set[str]]:
    """Depth-first from the starts, with a stack of its own (a chain of thousands of
    tasks is deeper than Python's recursion): the nodes in reverse post-order, which
    orders every flow but the loops, the flows back to a node on the current path (a
    loop: rework), and the nodes reached."""
    back_edges: set[str] = set()
    order: list[str] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in starts:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(succ.get(start, [])))]
        while stack:
            node, outs = stack[-1]
            for flow_id, target in outs:
                if state.get(target) == 1:
                    back_edges.add(flow_id)
                elif target not in state:
                    state[target] = 1
                    stack.append((target, iter(succ.get(target, []))))
                    break
            else:
                state[node] = 2
                order.append(node)
                stack.pop()
    order.reverse()
    return order, back_edges, set(state)


def _direct_before(
    order: list[str], items: list[str], flows: list[tuple[str, str, str]], back_edges: set[str]
) -> dict[str, list[str]]:
    """Item -> the items directly before it along the forward flows (those before it
    that no other item before it comes after), in ``items`` order.  Sets of items are
    bits of an integer, so a chain of n tasks costs n steps of n-bit operations:
    ``before`` holds the items before a node, ``covered`` those before an item before it."""
    bit = {item: 1 << n for n, item in enumerate(items)}
    preds: dict[str, list[str]] = {}
    for flow_id, source, target in flows:
        if flow_id not in back_edges:
            preds.setdefault(target, []).append(source)
    before: dict[str, int] = {}
    covered: dict[str, int] = {}
    for node in order:
        b = c = 0
        for p in preds.get(node, []):
            b |= before.get(p, 0) | bit.get(p, 0)
            c |= covered.get(p, 0) | (before.get(p, 0) if p in bit else 0)
        before[node], covered[node] = b, c
    out: dict[str, list[str]] = {}
    for item in items:
        rest, found = before[item] & ~covered[item], []
        while rest:
            low = rest & -rest
            found.append(items[low.bit_length() - 1])
            rest ^= low
        out[item] = found
    return out


def _probabilities(params) -> dict[str, float]:  # noqa: ANN001
    """Flow id -> its branching probability in Prosimos parameters."""
    out = {}
    for g in (params or {}).get("gateway_branching_probabilities", []):
        for p in g.get("probabilities", []):
            out[p.get("path_id")] = float(p.get("value", 0))
    return out


def _number(text: str, default: float) -> float:
    try:
        return float(text)
    except ValueError:
        return default


def _take_up(nodes, succ, items: set[str], params) -> dict[str, float]:  # noqa: ANN001
    """Item -> its take-up where an inclusive gateway's flow leads straight to it with a
    probability below 1 (the parameters say how often a branch is taken)."""
    probabilities = _probabilities(params)
    out = {}
    for gid, g in nodes.items():
        if g["tag"] != "inclusiveGateway":
            continue
        for flow_id, target in succ.get(gid, []):
            chance = probabilities.get(flow_id, 1.0)
            if target in items and 0 < chance < 1:
                out[target] = round(chance, 4)
    return out


def _rework(nodes, succ, back_edges, params):  # noqa: ANN001, ANN202
    """Exclusive gateways with a branch looping back: through other tasks (gather the
    missing materials), rework: window task before the gateway -> chance (from the
    parameters, else 0.1), the nodes on the loop, and the gateways; straight back, the
    task before the gateway is done again: task -> chance of another round (else 0.5)."""
    chances: dict[str, float] = {}
    redo: dict[str, float] = {}
    probabilities = _probabilities(params)
    preds: dict[str, list[str]] = {}
    for source, outs in succ.items():
        for _, target in outs:
            preds.setdefault(target, []).append(source)
    loop_nodes: set[str] = set()
    gateways: set[str] = set()
    for gid, g in nodes.items():
        if g["tag"] != "exclusiveGateway" or len(succ.get(gid, [])) < 2:
            continue
        for flow_id, target in succ.get(gid, []):
            on_loop = _loop_path(flow_id, target, succ, back_edges, nodes)
            if on_loop is None:
                continue
            gateways.add(gid)
            loop_nodes |= on_loop
            again = flow_id in back_edges  # straight back: a repeat
            for w in preds.get(gid, []):
                if nodes.get(w, {}).get("tag", "").endswith("ask"):
                    if again:
                        redo[w] = probabilities.get(flow_id, 0.5)
                    else:
                        chances[w] = probabilities.get(flow_id, 0.1)
    return chances, loop_nodes, gateways, redo


def _item_rework(chances: dict[str, float], nodes) -> dict[str, float]:  # noqa: ANN001
    """Node -> the chance that sends its filing back: a window task's own, shared over
    the items it files (each sent back independently); the first window that names a
    node decides."""
    by_item: dict[str, list[str]] = {}
    for i, n in nodes.items():
        if n.get("item"):
            by_item.setdefault(n["item"], []).append(i)
    out: dict[str, float] = {}
    for window, chance in chances.items():
        out.setdefault(window, round(chance, 4))
        files = [f for f in nodes[window].get("files", "").split(",") if f]
        for f in files:
            for i in by_item.get(f, []):
                out.setdefault(i, round(_item_chance(chance, len(files)), 4))
    return out


def _loop_path(flow_id: str, target: str, succ, back_edges, nodes) -> set[str] | None:  # noqa: ANN001
    """The nodes from this flow to a loop edge within a few steps (gather, travel),
    not passing a window service or a decision (which begin the next visit); None when
    the flow goes on."""
    if flow_id in back_edges:
        return set()
    frontier, seen = [target], {target}
    for _ in range(4):
        nxt = []
        for node in frontier:
            if nodes.get(node, {}).get("role") in ("window", "decide"):
                continue
            for f, t in succ.get(node, []):
                if f in back_edges:
                    return seen
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier = nxt
    return None


def _deliveries(nodes, ours: bool) -> dict[str, str]:  # noqa: ANN001
    """Item key -> how a diagram of ours hands its result over (mail, pickup); another
    tool's diagram says nothing, so every result is on the spot."""
    if not ours:
        return {}
    out = {}
    for n in nodes.values():
        if n.get("role") == "window" and n.get("collects"):
            out.update(dict.fromkeys(_collected(n), "pickup"))
    for n in nodes.values():
        if n.get("role") == "mail" and n.get("item"):
            out[n["item"]] = "mail"
    return out


def _collected(node: dict) -> list[str]:
    name = node["name"]
    if "Collect: " not in name:
        return []
    return [k.strip() for k in name.split("Collect: ", 1)[1].split(",")]


def _journey_from_ours(scenario, nodes, items, keys, params) -> None:  # noqa: ANN001
    """A diagram written by onething: travel tasks show where the case starts, the lanes
    of the window services whether a single window took the filing, and the paper
    transfers, mail and collections which levers were on."""
    tasks = [n for n in nodes.values() if n["tag"] == "task"]
    windows = [n for n in tasks if n.get("role") == "window"]
    online = any(n["name"].startswith("File online") for n in windows)
    integrated = online or any(n["lane"] == f"lane_{SINGLE_WINDOW}" for n in windows)
    first = tasks[0] if tasks else None
    if first is not None and first.get("role") != "travel":
        lane = first["lane"].removeprefix("lane_")
        if lane in scenario["departments"]:
            scenario["applicants"]["start"] = lane
    scenario["placeholders"].pop("applicants.travel", None)
    if not integrated:
        return
    papered = {
        n["name"].removeprefix("Paper transfer for ") for n in tasks if n.get("role") == "paper"
    }
    levers = ["single_window"] + (["online_intake"] if online else [])
    if not papered:
        levers.append("data_sharing")
    if "parallel_approval" in scenario["after"]:
        levers.append("parallel_approval")
    items_out = scenario["items"]
    order = [keys[i] for i in items]
    deliveries = {k: items_out[k]["result"]["delivery"] for k in order}
    if any(d == "on_the_spot" for d in deliveries.values()):
        levers.append("e_certificate")
        for key, d in deliveries.items():
            if d == "mail":
                items_out[key]["result"] = {"delivery": "mail", "physical": True}
    scenario["after"] = levers
    amount = 1
    for profile in (params or {}).get("resource_profiles", []):
        for r in profile.get("resource_list", []):
            if r.get("id") == f"window_{SINGLE_WINDOW}":
                amount = int(r.get("amount", 1))
    at_start = first is not None and first.get("role") == "window"
    scenario["levers"] = {"single_window": {"windows": max(1, amount), "at_start": at_start}}


def structural_problems(xml: str) -> list[str]:
    """BPMN 2.0 checked structurally (the rules of the specification a modeller relies
    on, without the XSD): namespaces, unique ids, flows between existing flow nodes,
    start events without incoming and end events without outgoing flows, every flow
    node in a lane, reachable from a start and reaching an end, and a DI shape or edge
    for every element drawn."""
    root = ET.fromstring(xml)
    problems = []
    if root.tag != f"{{{BPMN}}}definitions":
        return [f"root is {root.tag}, not BPMN 2.0 definitions"]
    ids = Counter(e.get("id") for e in root.iter() if e.get("id"))
    problems += [f"id {i!r} used twice" for i in sorted(i for i, n in ids.items() if n > 1)]
    for proc in root.iter(f"{{{BPMN}}}process"):
        kinds = {e.get("id"): e.tag.rsplit("}", 1)[-1] for e in proc if e.get("id")}
        flows = [e for e in proc if e.tag == f"{{{BPMN}}}sequenceFlow"]
        nodes = {i for i, k in kinds.items() if k not in ("sequenceFlow", "laneSet")}
        succ: dict[str, list[str]] = {n: [] for n in nodes}
        pred: dict[str, list[str]] = {n: [] for n in nodes}
        for f in flows:
            a, b = f.get("sourceRef"), f.get("targetRef")
            if a not in nodes or b not in nodes:
                problems.append(f"sequenceFlow {f.get('id')} joins unknown nodes {a}, {b}")
                continue
            succ[a].append(b)
            pred[b].append(a)
        for n in nodes:
            if kinds[n] == "startEvent" and pred[n]:
                problems.append(f"start event {n} has an incoming flow")
            if kinds[n] == "endEvent" and succ[n]:
                problems.append(f"end event {n} has an outgoing flow")
            if kinds[n] != "startEvent" and not pred[n]:
                problems.append(f"{kinds[n]} {n} has no incoming flow")
            if kinds[n] != "endEvent" and not succ[n]:
                problems.append(f"{kinds[n]} {n} has no outgoing flow")
            if kinds[n].endswith("Gateway") and len(pred[n]) < 2 and len(succ[n]) < 2:
                problems.append(f"gateway {n} neither splits nor joins")
        in_lane = {(r.text or "").strip() for r in proc.iter(f"{{{BPMN}}}flowNodeRef")}
        problems += [f"{n} is in no lane" for n in sorted(nodes - in_lane)]
        problems += [f"lane refers to unknown {n}" for n in sorted(in_lane - nodes)]
        for direction, starts, kind in ((succ, "startEvent", "start"), (pred, "endEvent", "end")):
            seen = [n for n in nodes if kinds[n] == starts]
            reached = set(seen)
            while seen:
                n = seen.pop()
                for m in direction[n]:
                    if m not in reached:
                        reached.add(m)
                        seen.append(m)
            problems += [f"{n} is cut off from every {kind} event" for n in sorted(nodes - reached)]
        drawn = {e.get("bpmnElement") for e in root.iter() if e.get("bpmnElement")}
        drawable = {i for i, k in kinds.items() if k != "laneSet"}
        problems += [f"{i} has no DI shape or edge" for i in sorted(drawable - drawn)]
    return problems
