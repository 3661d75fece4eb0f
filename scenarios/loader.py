"""Load a bundle from the catalog or from a scenario file, with every problem reported.

A scenario passes two gates: its shape (``scenarios.model``) and its cross-references
(departments named by items, the dependency DAG, sources cited by figures, paths named by
assumptions, the arrival trace).  Every problem becomes ``file: path: reason``.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
from collections.abc import Hashable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from onething.scenarios import official_calendar
from onething.scenarios.calendar import DAY
from onething.scenarios.errors import FileError, Problem, Reason, from_validation_error
from onething.scenarios.levers import LEVERS, unknown_levers
from onething.scenarios.model import MAX_HORIZON_DAYS, Scenario, required_closure

CATALOG = resources.files("onething.scenarios") / "catalog"

# Guards against files that would exhaust memory or run for days (a typo of 3 zeros).
MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 32
"""Nesting of YAML collections: a scenario needs about 6 levels, a recursive parser and
pydantic fail on thousands."""
MAX_NODES = 50_000
"""Values in the document, also once aliases are expanded (a few aliases of aliases can
stand for billions): the pure-Python parser takes about a second per ten thousand on a
busy machine, and a scenario discovered from a log with 100 items, each with two
empirical distributions, has about twenty thousand."""
MAX_TRACE_ROWS = 5_000_000


def user_home() -> Path:
    """Where the user's own files live (saved bundles, the workbench's runs):
    ``$ONETHING_HOME``, by default ``~/.onething``."""
    return Path(os.environ.get("ONETHING_HOME") or "~/.onething").expanduser()


def user_scenarios() -> Path:
    """Bundles saved by the user (the workbench's editor); found by name like the catalog's."""
    return user_home() / "scenarios"


def saved_names() -> list[str]:
    """The bundles saved in the user's folder, by name."""
    folder = user_scenarios()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def catalog_names() -> list[str]:
    return sorted(
        p.name.removesuffix(".yaml") for p in CATALOG.iterdir() if p.name.endswith(".yaml")
    )


def resolve(bundle: str) -> Path:
    """A catalog name or a path to a scenario file."""
    path = Path(bundle)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    candidate = CATALOG / f"{bundle}.yaml"
    if candidate.is_file():
        return Path(str(candidate))
    own = user_scenarios() / f"{bundle}.yaml"
    if own.is_file():
        return own
    raise FileError(
        bundle,
        [Problem("(bundle)", Reason("not_in_catalog", known=", ".join(catalog_names())))],
    )


def read_yaml(path: Path) -> Any:
    """Safe YAML (no code execution), with the size, depth and alias guards and readable
    parse errors."""
    try:
        if path.exists() and not path.is_file():
            raise FileError(path, [Problem("(file)", Reason("not_a_file"))])
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileError(
                path, [Problem("(file)", Reason("file_too_large", size=size, limit=MAX_FILE_BYTES))]
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileError(path, [Problem("(file)", Reason("no_such_file"))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(path, [Problem("(file)", Reason("cannot_read", error=exc))]) from None
    return parse_yaml(text, path)


class TooComplex(FileError):
    """YAML nested deeper than ``MAX_DEPTH`` or with more than ``MAX_NODES`` values, also
    once its aliases are expanded: refused before anything walks it."""


class _Limit(yaml.MarkedYAMLError):
    """A guard of ``_UniqueKeyLoader`` stopped the parser (see ``TooComplex``)."""


def parse_yaml(text: str, path: Path) -> Any:
    """YAML text read as ``read_yaml`` reads a file (an upload, an edited copy): problems
    are reported against ``path``; ``TooComplex`` for a document past the guards."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f"line {mark.line + 1}"
        elif isinstance(exc, yaml.reader.ReaderError):
            where = f"line {text.count(chr(10), 0, exc.position) + 1}"
        else:
            where = "(yaml)"
        reason = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
        reason = " ".join(str(reason).split())  # one line, whatever the parser said
        error = TooComplex if isinstance(exc, _Limit) else FileError
        raise error(path, [Problem(where, Reason("not_yaml", detail=reason))]) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (PyYAML would keep the last silently), a
    document nested deeper than ``MAX_DEPTH`` or expanding to more than ``MAX_NODES``
    values, and a scalar Python cannot hold (a date 2026-13-45, an int of 5,000 digits),
    each as a ``yaml.YAMLError`` at its line."""

    depth = 0
    nodes = 0
    aliased = False

    def fetch_flow_collection_start(self, TokenClass: type) -> None:
        """Brackets are counted as they are read: ahead of the parser, the scanner keeps a
        possible key for every open ``[`` or ``{``, and revisits them all at each token."""
        super().fetch_flow_collection_start(TokenClass)
        if self.flow_level > MAX_DEPTH:
            raise _Limit(None, None, f"nested deeper than {MAX_DEPTH} levels", self.get_mark())

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self.aliased = self.aliased or self.check_event(yaml.AliasEvent)
        self.depth += 1
        self.nodes += 1
        try:
            if self.depth > MAX_DEPTH or self.nodes > MAX_NODES:
                mark = self.peek_event().start_mark
                reason = (
                    f"nested deeper than {MAX_DEPTH} levels"
                    if self.depth > MAX_DEPTH
                    else f"more than {MAX_NODES} values"
                )
                raise _Limit(None, None, reason, mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def compose_document(self) -> yaml.Node:
        node = super().compose_document()
        if self.aliased:
            _check_expansion(node)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {str(node.value)[:40]!r}: {exc}", node.start_mark
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable) or isinstance(key, frozenset):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a single value", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand past ``MAX_NODES`` values or ``MAX_DEPTH``
    levels, or refer to a collection inside itself: sizes and depths are memoised per
    node, so the check stays linear in the document however far the aliases expand."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    ancestors: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            sizes[key] = min(MAX_NODES + 1, 1 + sum(sizes[id(c)] for c in children))
            depths[key] = 1 + max((depths[id(c)] for c in children), default=0)
            ancestors.discard(key)
            if sizes[key] > MAX_NODES or depths[key] > MAX_DEPTH:
                break
        elif key in ancestors:
            raise yaml.composer.ComposerError(
                None, None, "an alias refers to a collection inside itself", node.start_mark
            )
        elif key not in sizes:
            ancestors.add(key)
            stack.append((node, True))
            stack += [(child, False) for child in children]
    if max(sizes.values()) > MAX_NODES or max(depths.values()) > MAX_DEPTH:
        raise _Limit(
            None,
            None,
            f"aliases expand it past {MAX_NODES} values or {MAX_DEPTH} levels",
            root.start_mark,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_scenario(bundle: str | Path) -> Scenario:
    path = resolve(str(bundle))
    return validate(read_yaml(path), path)


def validate(data: Any, path: Path) -> Scenario:
    """A scenario from its fields (a file's, or a changed copy's), every problem reported
    as ``path: field: reason``; a trace is read relative to ``path``'s folder."""
    if not isinstance(data, dict):
        raise FileError(path, [Problem("(top)", Reason("not_a_mapping"))])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(path, data, exc) from None
    problems = list(cross_check(scenario, data))
    trace = scenario.applicants.arrivals.trace
    if trace is not None:
        trace_path = (path.parent / trace).resolve()
        if not trace_path.is_file():
            problems.append(
                Problem(
                    "applicants.arrivals.trace",
                    Reason("no_trace_file", path=trace_path, name=trace_path.name),
                )
            )
        else:
            try:
                read_trace(trace_path, scenario.run.start_date)
            except FileError as exc:
                problems += [Problem(p.path, p.reason, exc.file, p.said) for p in exc.problems]
            arrivals = scenario.applicants.arrivals.model_copy(update={"trace": str(trace_path)})
            applicants = scenario.applicants.model_copy(update={"arrivals": arrivals})
            scenario = scenario.model_copy(update={"applicants": applicants})
    if problems:
        raise FileError(path, problems)
    return scenario


def with_changes(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """A copy of ``scenario`` with the fields at these dotted paths set, checked like a
    scenario file (same ``file: path.to.field: reason`` errors, ``FileError``), e.g.
    ``with_changes(s, {"applicants.arrivals.per_working_day": 200,
    "items.birth_certificate.rework": 0.1})``.  The scenario itself is not changed."""
    data = scenario.model_dump(mode="json", exclude_unset=True)
    where = Path(f"{scenario.name} (with_changes)")
    if (trace := scenario.applicants.arrivals.trace) is not None:
        where = Path(trace).parent / where.name
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = data
        for i, key in enumerate(parents):
            if not isinstance(node.get(key), dict):
                at = ".".join(parents[: i + 1])
                raise FileError(where, [Problem(at, Reason("no_section", dotted=dotted))])
            node = node[key]
        node[last] = value
    return validate(data, where)


def cross_check(s: Scenario, data: dict[str, Any]) -> Iterator[Problem]:
    """References between parts of the file; each problem names the field at fault."""
    departments = sorted(s.departments)
    for key, item in s.items.items():
        at = f"items.{key}"
        if item.department not in s.departments:
            yield Problem(
                f"{at}.department",
                Reason(
                    "unknown_department",
                    department=item.department,
                    known=", ".join(departments),
                ),
            )
        for i, dep in enumerate(item.requires):
            if dep not in s.items:
                yield Problem(f"{at}.requires.{i}", Reason("unknown_item", item=dep))
            elif dep == key:
                yield Problem(f"{at}.requires.{i}", Reason("self_require"))
        for i, material in enumerate(item.materials):
            if material not in s.materials:
                yield Problem(f"{at}.materials.{i}", Reason("unknown_material", material=material))
        if len(set(item.materials)) != len(item.materials):
            yield Problem(f"{at}.materials", Reason("material_twice"))
        for i, group in enumerate(item.form.groups):
            if group not in s.field_groups:
                yield Problem(f"{at}.form.groups.{i}", Reason("unknown_group", group=group))
        produced = item.result.produces
        if produced is not None and produced not in s.materials:
            yield Problem(f"{at}.result.produces", Reason("unknown_material", material=produced))
        if item.promised.mean_value <= 0:
            yield Problem(f"{at}.promised", Reason("promised_positive"))
    yield from _cycles(s)
    yield from _materials_before_they_exist(s)
    yield from _alternatives(s)
    if s.applicants.start not in ("home", *s.departments):
        yield Problem("applicants.start", Reason("start_place", start=s.applicants.start))
    for name in s.levers.staffing:
        if name != "single_window" and name not in s.departments:
            yield Problem(f"levers.staffing.{name}", Reason("unknown_department_key"))
    for i, name in enumerate(s.after):
        if name not in LEVERS:
            yield Problem(f"after.{i}", unknown_levers([name]))
    if len(set(s.after)) != len(s.after):
        yield Problem("after", Reason("lever_twice"))
    for i, figure in enumerate(s.published):
        if figure.source not in s.sources:
            yield Problem(f"published.{i}.source", Reason("unknown_source", source=figure.source))
    for field_path in s.assumptions:
        if not _path_exists(data, field_path):
            yield Problem(f"assumptions.{field_path}", Reason("names_missing_field"))
    for field_path in s.placeholders:
        if not _path_exists(data, field_path):
            yield Problem(f"placeholders.{field_path}", Reason("names_missing_field"))
    if s.run.warmup_days >= s.run.horizon_days:
        yield Problem("run.warmup_days", Reason("warmup_too_long"))
    yield from _calendar_problems(s)


def _cycles(s: Scenario) -> Iterator[Problem]:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(key: str, path: list[str]) -> list[str] | None:
        state[key] = 1
        for dep in s.items[key].requires:
            if dep not in s.items or dep == key:
                continue
            if state.get(dep) == 1:
                return [*path, key, dep][[*path, key, dep].index(dep) :]
            if dep not in state and (cycle := visit(dep, [*path, key])):
                return cycle
        state[key] = 2
        return None

    for key in s.items:
        if key not in state and (cycle := visit(key, [])):
            yield Problem(
                f"items.{cycle[0]}.requires",
                Reason(
                    "dependency_cycle",
                    cycle=" -> ".join(cycle),
                    names=[s.items[k].name for k in cycle],
                ),
            )
            return


def _alternatives(s: Scenario) -> Iterator[Problem]:
    """An alternative names known items, once per option; an item belongs to one
    alternative only (its options may share it: variants of the bundle, as a real log
    shows them), and takes its share from it (its own take-up stays 1)."""
    seen: dict[str, str] = {}
    for name, options in s.alternatives.items():
        here = f"alternatives.{name}"
        for i, option in enumerate(options):
            for j, key in enumerate(option.items):
                at = f"{here}.{i}.items.{j}"
                if key not in s.items:
                    yield Problem(at, Reason("unknown_item", item=key))
                elif seen.get(key, here) != here:
                    yield Problem(at, Reason("item_in_two_options", item=key, where=seen[key]))
                elif key in option.items[:j]:
                    yield Problem(at, Reason("item_twice_in_option", item=key))
                elif s.items[key].take_up < 1:
                    yield Problem(at, Reason("take_up_in_alternative", item=key))
                seen.setdefault(key, here)


def _materials_before_they_exist(s: Scenario) -> Iterator[Problem]:
    """An item can only ask for a certificate that an item it requires produces."""
    producer = {i.result.produces: k for k, i in s.items.items() if i.result.produces}
    for key, item in s.items.items():
        needed = required_closure(s, key)
        for i, material in enumerate(item.materials):
            made_by = producer.get(material)
            if made_by is not None and made_by != key and made_by not in needed:
                yield Problem(
                    f"items.{key}.materials.{i}",
                    Reason(
                        "produced_by",
                        material=material,
                        maker=made_by,
                        item=key,
                        material_name=s.materials[material].name,
                        maker_name=s.items[made_by].name,
                        item_name=item.name,
                    ),
                )


def _calendar_problems(s: Scenario) -> Iterator[Problem]:
    arrivals = s.applicants.arrivals
    if arrivals.hourly_profile is not None:
        open_hours = {m // 60 for a, b in s.calendar.periods() for m in range(a, b)}
        if not any(arrivals.hourly_profile.get(h, 0) > 0 for h in open_hours):
            yield Problem("applicants.arrivals.hourly_profile", Reason("hourly_no_weight"))
    if arrivals.weekday_profile is not None:
        if not any(arrivals.weekday_profile.get(d, 1.0) > 0 for d in s.calendar.weekdays):
            yield Problem("applicants.arrivals.weekday_profile", Reason("weekday_no_weight"))
        for day in arrivals.weekday_profile:
            if day not in s.calendar.weekdays:
                yield Problem(
                    f"applicants.arrivals.weekday_profile.{day}", Reason("not_working_weekday")
                )
    if len(set(s.calendar.weekdays)) != len(s.calendar.weekdays):
        yield Problem("calendar.weekdays", Reason("weekday_twice"))
    yield from _official_calendar_span(s)


def _official_calendar_span(s: Scenario) -> Iterator[Problem]:
    """Arrivals on days the official calendar does not know would give made-up results."""
    official = [s.calendar, *(d.calendar for d in s.departments.values() if d.calendar)]
    if not any(c.holidays == "official" for c in official):
        return
    first, last = s.run.start_date, s.run.start_date + dt.timedelta(days=s.run.horizon_days - 1)
    if not official_calendar.known(first):
        yield Problem("run.start_date", _beyond(first))
    elif not official_calendar.known(last):
        yield Problem("run.horizon_days", _beyond(last))


def _beyond(day: dt.date) -> Reason:
    return Reason(
        "beyond_official_calendar",
        message=official_calendar.beyond_message(day),
        source=official_calendar.SOURCE,
        first=official_calendar.FIRST_DAY.year,
        last=official_calendar.LAST_DAY.year,
        day=day.isoformat(),
        year=day.year,
    )


def _path_exists(data: Any, dotted_path: str) -> bool:
    node = data
    for part in dotted_path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def read_trace(path: Path, start_date: dt.date) -> list[float]:
    """Arrival times in minutes after ``start_date`` 00:00, sorted.

    Column ``arrival`` holds ISO date-times; ``arrival_minutes`` holds minutes directly.
    """
    origin = dt.datetime.combine(start_date, dt.time())
    times: list[float] = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or []
            column = next((c for c in ("arrival", "arrival_minutes") if c in fields), None)
            if column is None:
                raise FileError(path, [Problem("(header)", Reason("needs_arrival_column"))])
            for row_number, row in enumerate(reader, start=2):
                if len(times) >= MAX_TRACE_ROWS:
                    raise FileError(
                        path, [Problem("(rows)", Reason("too_many_arrivals", limit=MAX_TRACE_ROWS))]
                    )
                text = (row.get(column) or "").strip()
                try:
                    if column == "arrival":
                        moment = dt.datetime.fromisoformat(text)
                        if moment.tzinfo is not None:
                            raise ValueError("has a time zone; give local times without one")
                        minutes = (moment - origin).total_seconds() / 60
                    else:
                        minutes = float(text)
                        if not math.isfinite(minutes):
                            raise ValueError("not a finite number")
                except ValueError as exc:
                    zoned = "time zone" in str(exc)
                    reason = Reason("time_zone" if zoned else "cannot_read_time", text=text)
                    raise FileError(
                        path, [Problem(f"line {row_number}.{column}", reason)]
                    ) from None
                if minutes > MAX_HORIZON_DAYS * DAY:
                    raise FileError(
                        path,
                        [
                            Problem(
                                f"line {row_number}.{column}",
                                Reason("after_horizon", days=MAX_HORIZON_DAYS),
                            )
                        ],
                    )
                if minutes < 0:
                    raise FileError(
                        path,
                        [Problem(f"line {row_number}.{column}", Reason("before_start"))],
                    )
                if times and minutes < times[-1]:
                    raise FileError(
                        path, [Problem(f"line {row_number}.{column}", Reason("unsorted"))]
                    )
                times.append(minutes)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FileError(path, [Problem("(file)", Reason("cannot_read", error=exc))]) from None
    if not times:
        raise FileError(path, [Problem("(rows)", Reason("no_arrivals"))])
    return times
