"""Chinese and English on every page: the catalog's bilingual names split in two, and the
one catalogue of the pages' own words (``WORDS``): headings, levers, delivery modes,
activities, units, run kinds and states, and the refusals the pages show."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from onething.experiments.studies.words import FINDINGS, KIND_NAMES, LEVER_NAMES
from onething.scenarios.errors import FileError, Problem
from onething.scenarios.loader import read_yaml
from onething.scenarios.reasons import CJK, field_path, name_in, say

LANGUAGES = ("en", "zh")


def node_lines(text: str, lang: str) -> list[str]:
    """A name in ``lang`` on at most two lines of a process map's node (180 px at 13 px:
    about 22 Latin or 12 Chinese characters a line); only a longer name loses its end."""
    name = name_in(text, lang)
    if CJK.search(name):
        lines = [name[i : i + 12] for i in range(0, len(name), 12)]
    else:
        lines = textwrap.wrap(name, 22) or [name]
    if len(lines) > 2:
        lines = [lines[0], lines[1][:-1] + "…"]
    return lines


WORDS: dict[str, tuple[str, str]] = {
    "app": ("onething workbench", "一件事 工作台"),
    "catalog": ("Catalog", "事项目录"),
    "whatif": ("What-if", "模拟推演"),
    "map": ("Process map", "流程图"),
    "walk": ("Walk", "走流程"),
    "studies": ("Studies", "研究"),
    "editor": ("Scenario editor", "场景编辑"),
    "runs": ("Runs", "运行记录"),
    "live": ("Live", "实时看板"),
    "bundle": ("Bundle", "事项"),
    "departments": ("Departments", "部门"),
    "items": ("Items", "事项数"),
    "published": ("Published before → after", "公开数据 改革前 → 改革后"),
    "sources": FINDINGS["report.sources"],
    "reduced": ("reduced by", "减少"),
    "folder": ("Results folder", "结果目录"),
    "own": ("your bundle", "自定义"),
    "levers": ("Levers", "改革举措"),
    "arrivals": ("Arrivals per working day", "每工作日到达人数"),
    "windows": ("Windows per place", "各处窗口数"),
    "rework_scale": ("Rework scale", "补正比例倍数"),
    "travel_scale": ("Travel scale", "路程时间倍数"),
    "handling_scale": ("Handling scale", "窗口办理时间倍数"),
    "replications": ("Replications", "重复次数"),
    "seed": ("Seed", "随机种子"),
    "horizon_days": ("Horizon (calendar days)", "模拟天数"),
    "warmup_days": ("Warm-up (days)", "预热天数"),
    "run": ("Run", "运行"),
    "cancel": ("Cancel", "取消"),
    "stop": ("Stop", "停止"),
    "before": ("Before", "改革前"),
    "after": ("After", "改革后"),
    "change": ("Change", "变化"),
    "measure": ("Measure", "指标"),
    "steps": ("Steps", "环节"),
    "materials": ("Materials", "材料"),
    "trips": ("Trips", "跑动"),
    "form_fields": ("Form fields", "表单字段"),
    "time_working_days": FINDINGS["measure.time_working_days"],
    "wait_minutes": ("Waiting (minutes)", "排队等候（分钟）"),
    "time_calendar_hours": ("Time (calendar hours)", "办理时间（日历小时）"),
    "trips_observed": ("Trips incl. rework", "实际跑动（含补正）"),
    "promise_working_days": ("Promised time (working days)", "承诺时限（工作日）"),
    "cases": FINDINGS["measure.cases"],
    "p50": ("median", "中位数"),
    "p90": ("90th percentile", "90% 分位数"),
    "post": ("Post", "邮政寄递"),
    "unfinished": ("Unfinished", "未办结"),
    "within_promise": ("Within the promised time", "承诺时限内办结"),
    "utilisation": ("Utilisation per place", "各处窗口利用率"),
    "time_distribution": ("Time distribution (ECDF)", "办理时间分布"),
    "queue": ("Queue length over time", "排队人数变化"),
    "bottleneck": ("Bottleneck", "瓶颈"),
    "progress": ("Progress", "进度"),
    "mode": ("Mode", "模式"),
    "show": ("Show", "显示"),
    "validate": ("Validate", "校验"),
    "save": ("Save", "保存"),
    "download": ("Download", "下载"),
    "name": ("Name", "名称"),
    "raw_yaml": ("Raw YAML", "原始 YAML"),
    "spec": ("Experiment spec", "实验规格"),
    "upload": ("or upload a spec (YAML)", "或上传规格文件（YAML）"),
    "findings": FINDINGS["report.findings"],
    "report": ("Report", "报告"),
    "open": ("Open", "打开"),
    "compare_ab": ("Compare A vs B", "对比 A 与 B"),
    "rate": ("Arrivals per working day", "每工作日到达人数"),
    "duration": ("Duration (calendar days)", "时长（日历天）"),
    "speedup": ("Speed-up (sim. minutes per second)", "加速（每秒模拟分钟）"),
    "chaos": ("Chaos", "故障注入"),
    "bootstrap": ("Existing Kafka (bootstrap, optional)", "已有 Kafka 地址（可选）"),
    "sent": ("Sent", "已发送"),
    "completed": ("Completed", "已完成"),
    "dead_lettered": ("Dead-lettered", "死信"),
    "throughput": ("Throughput (cases/s)", "吞吐（件/秒）"),
    "latency": ("Hop latency (ms)", "单跳延迟（毫秒）"),
    "lag": ("Lag (requests waiting)", "积压（待处理请求）"),
    "services": ("Services", "服务"),
    "reconciliation": ("Reconciliation", "对账"),
    "agreement": ("Agreement with the DES", "与离散事件模拟的一致性"),
    "status": ("Status", "状态"),
    "none": FINDINGS["report.none"],
    "error": ("Cannot show this page", "无法显示此页"),
    "inputs": ("Inputs", "输入参数"),
    "scales": ("Scale factors", "倍数调整"),
    "applicant": ("applicant", "申请人"),
    "working_days": FINDINGS["report.working_days"],
    "minutes": FINDINGS["report.min"],
    "min_queueing": ("min queueing", "分钟排队"),
    "pp": ("pp", "个百分点"),
    "ci": ("mean [95 % interval]", "均值 [95% 置信区间]"),
    "simulated_day": ("simulated day", "模拟日"),
    "four_reductions": ("The four reductions", "四减"),
    "variant": ("Variant", "方案"),
    "chaos_caveat": (
        "Faults were injected in this run: the live times include the restarts (of a "
        "service or a Kafka broker), so they are not comparable with the DES.",
        "本次运行注入了故障：实时耗时包含服务或 Kafka 节点的重启，不能与离散事件模拟直接比较。",
    ),
    **LEVER_NAMES,
    # how an item's result reaches the applicant (scenarios/model.py: Delivery)
    "delivery.on_the_spot": ("on the spot", "当场办结"),
    "delivery.pickup": ("pick-up", "窗口领取"),
    "delivery.mail": ("by mail", "邮寄送达"),
    # the walk's activities (scenarios/story.py)
    "activity.travel": ("travel", "路途"),
    "activity.queue": ("queue", "排队"),
    "activity.hand over materials": ("hand over materials", "递交材料"),
    "activity.collect results": ("collect results", "领取结果"),
    "activity.file online": ("file online", "网上申请"),
    "activity.wait for the result on the spot": ("wait for the result on the spot", "现场等候结果"),
    "activity.result arrives by mail": ("result arrives by mail", "结果邮寄送达"),
    "activity.decide": ("decide", "审批"),
    "activity.gather": ("sent back (补正): gather missing materials", "补正：补齐材料"),
    # a step of an item's approval (scenarios/model.py: StepKind)
    "step.apply": ("apply", "申请"),
    "step.review": ("review", "审查"),
    "step.inspect": ("inspect", "核查"),
    "step.decide": ("decide", "决定"),
    "step.deliver": ("deliver", "送达"),
    **KIND_NAMES,
    # runs
    "kind.whatif": ("what-if", "模拟推演"),
    "kind.study": ("study", "研究"),
    "kind.live": ("live", "实时运行"),
    "status.queued": ("queued", "排队中"),
    "status.running": ("running", "运行中"),
    "status.done": ("done", "完成"),
    "status.error": ("error", "出错"),
    "status.cancelled": ("cancelled", "已取消"),
    "chaos.kill": ("kill a service", "终止一个服务"),
    "chaos.pause": ("pause the broker", "暂停消息代理"),
    "chaos.broker-kill": ("kill the busiest Kafka broker", "强行终止负载最重的 Kafka 节点"),
    "chaos.broker-roll": ("restart every Kafka broker in turn", "依次重启每个 Kafka 节点"),
    "mode.before": FINDINGS["word.before"],
    "mode.after": FINDINGS["word.after"],
    "rate_placeholder": ("as the scenario", "按场景设定"),
    "trace": ("from the trace", "按到达记录"),
    # refusals (site.py), with their fields
    "no_bundle": ("no bundle named {name!r}", "没有名为「{name}」的事项"),
    "no_run": (
        "{what}: no such run (choose a run from the list)",
        "{what}：没有这条运行记录（请从列表中选择）",
    ),
    "no_job": ("no such job", "没有这个任务"),
    "no_file": ("run {run} has no file {name!r}", "运行记录 {run} 没有文件「{name}」"),
    "unknown_lever": ("unknown lever {lever!r}", "未知的改革举措「{lever}」"),
    "bad_seed": (
        "seed {seed!r}: give a whole number below 2**63",
        "随机种子「{seed}」：请填写小于 2**63 的整数",
    ),
    # a form's problems (forms.py), each shown under its field
    "form.not_number": ("{raw!r} is not a number", "「{raw}」不是数字"),
    "form.not_whole": ("{raw!r} is not a whole number", "「{raw}」不是整数"),
    "form.above": (
        "must be above {low:g} and at most {high:g}",
        "须大于 {low:g}，且不超过 {high:g}",
    ),
    "form.at_least": (
        "must be at least {low:g} and at most {high:g}",
        "须不小于 {low:g}，且不超过 {high:g}",
    ),
    "form.choose": ("{value!r}: choose from {options}", "「{value}」：请从以下选择：{options}"),
    "form.choose_bundle": ("choose a bundle", "请选择一件事"),
    "form.choose_levers": ("choose from {options}", "请从以下举措中选择：{options}"),
    "form.no_place": (
        "no such place; choose from {options}",
        "没有这个办理地点；请从以下选择：{options}",
    ),
    "form.bootstrap": (
        "give HOST:PORT, e.g. 127.0.0.1:9092",
        "请填写 主机:端口，例如 127.0.0.1:9092",
    ),
    "form.chaos_pause": (
        "pause stops the embedded broker: leave the Kafka address empty",
        "“暂停消息代理”只能暂停内置的代理：请留空 Kafka 地址",
    ),
    "form.chaos_kill": (
        "kill strikes the services of after mode",
        "“终止一个服务”只作用于改革后的服务：请选择改革后",
    ),
    "form.warmup_shorter": (
        "must be shorter than the horizon ({horizon} days)",
        "须短于模拟天数（{horizon} 天）",
    ),
    "form.spec_upload": ("upload: expected the spec's YAML text", "上传：应为研究规格的 YAML 文本"),
    "form.spec_choose": ("choose from {options}", "请从以下研究中选择：{options}"),
    "form.spec_refused": ("{text}", "研究规格有误：\n{text}"),
    # what the workbench refuses to take (safety.py, site.py, editor.py)
    "too_large": ("{size} bytes; the limit is {limit}", "共 {size} 字节，上限为 {limit} 字节"),
    "too_large_stream": (
        "more than {limit} bytes; that is the limit",
        "超过 {limit} 字节的上限",
    ),
    "too_complex": ("{reasons}", "YAML 嵌套过深或值过多（含别名展开后），不予处理"),
    "not_json": ("the request is not JSON", "请求不是 JSON"),
    "not_json_object": ("the request is not a JSON object", "请求不是 JSON 对象"),
    "no_font": (
        "the font package pylopdf-fonts-zh-cn is not installed",
        "未安装中文字体包（pylopdf-fonts-zh-cn）",
    ),
    "bad_name": (
        "use lowercase letters, digits and underscores, starting with a letter (at most 64)",
        "请只用小写英文字母、数字和下划线，以字母开头（最多 64 个字符）",
    ),
    "not_inside": ("{name}: not inside {folder}", "「{name}」不在文件夹 {folder} 中"),
    "expected_text": ("{field}: expected text", "{field!f}：应为文字"),
    "expected_mapping": ("fields: expected a mapping", "表单字段应为映射"),
    "catalog_bundle": (
        "{name} is a catalog bundle: save under another name",
        "「{name}」是事项目录中的事项：请另取一个名称保存",
    ),
    "does_not_load": ("{lines}", "场景有误，未保存：{lines}"),
    "trace_outside": (
        "a bundle of the workbench reads its trace from {folder} only",
        "工作台的事项只能从 {folder} 读取到达记录",
    ),
    # the run store (store.py)
    "store.locked": (
        "{path} is locked by another program (waited {timeout:g} s)",
        "运行记录库 {path} 被其他程序锁定（已等待 {timeout:g} 秒）",
    ),
    "store.locked_kept": (
        "{path} is locked by another program (waited {timeout:g} s); the run is kept in {kept}",
        "运行记录库 {path} 被其他程序锁定（已等待 {timeout:g} 秒）；本次运行另存于 {kept}",
    ),
    "store.unreadable": ("{path} cannot be read: {error}", "运行记录库 {path} 无法读取（{error}）"),
    "store.unreadable_kept": (
        "{path} cannot be read: {error}; the run is kept in {kept}",
        "运行记录库 {path} 无法读取（{error}）；本次运行另存于 {kept}",
    ),
    # why a running job failed (jobs.py), in the page's language
    "failed.overloaded": (
        "{text}",
        "{scenario}（{variant}）超负荷：每个工作日到达 {per_day:,.0f} 人；到 {day}（第 {days:.0f} "
        "天）已到达 {arrived:,} 人、办结 {finished:,} 人，{queues}：窗口已排到官方工作日历的最后"
        "一天 {last_day}。请降低“{field}”，或在该处增加窗口",
    ),
    "failed.queue": (
        "{name}, {windows} window(s){serving}, has {queueing:,} queueing",
        "{name}（{windows} 个窗口{serving}）有 {queueing:,} 人排队",
    ),
    "failed.serving": (
        " serving at most {capacity:,.0f} a working day",
        "，每个工作日最多办理 {capacity:,.0f} 人",
    ),
    "failed.beyond_calendar": (
        "{text}",
        "官方工作日历（国务院节假日安排）只到 {last_year} 年，本次运行需要 {day}。请在国务院公布 "
        "{year} 年安排后升级 chinesecalendar，或把“节假日”设为 none，并在“额外休息日”和“额外"
        "工作日”中列出该年的节假日与调休上班日",
    ),
    "failed.too_far_ahead": (
        "{text}",
        "本次运行到达 {day}，距“开始日期”超过 {years} 年：场景中的某个时长或到达时间过长",
    ),
    "failed.warmup": (
        "warm-up days ({warmup}) must be shorter than horizon days ({horizon})",
        "预热天数（{warmup}）须短于模拟天数（{horizon}）",
    ),
    "failed.broker": (
        "{text}",
        "Kafka 消息代理无法启动或连接不上（{text}）",
    ),
    "failed.live": ("live run stopped: {text}", "实时运行中止（{text}）"),
    "failed.other": ("{text}", "运行出错（{text}）"),
    "failed.worker_ended": (
        "the worker ended unexpectedly (exit {code})",
        "工作进程意外退出（退出码 {code}）",
    ),
}


def words(lang: str) -> dict[str, str]:
    index = 1 if lang == "zh" else 0
    return {key: pair[index] for key, pair in WORDS.items()}


INPUT_WORDS = {
    "arrivals_per_day": "arrivals",
    "duration_days": "duration",
    "agreement_replications": "replications",
    "out": "folder",
}
"""A run's input (``jobs.RUNNERS``' inputs) -> its word in ``WORDS`` where the names differ."""


def input_rows(
    inputs: dict[str, object], titles: dict[str, str], places: dict[str, str], lang: str
) -> list[tuple[str, str]]:
    """A run's inputs as the page shows them: each with its word, levers and places by
    their names (``titles``: bundle -> title; ``places``: place id -> name), nothing
    for an input left at the scenario's own value."""
    w = words(lang)
    rows = []
    for key, value in inputs.items():
        if value is None or value == {}:
            continue
        if key == "bundle":
            shown = name_in(titles.get(str(value), str(value)), lang)
        elif key == "levers" and isinstance(value, list):
            shown = " + ".join(w.get(f"lever.{v}", str(v)) for v in value) or w["none"]
        elif key == "windows" and isinstance(value, dict):
            shown = ", ".join(f"{name_in(places.get(k, k), lang)} {n}" for k, n in value.items())
        elif key in ("mode", "chaos"):
            shown = w.get(f"{key}.{value}", str(value))
        else:
            shown = str(value)
        rows.append((w.get(INPUT_WORDS.get(key, key), key), shown))
    return rows


def duration(minutes: float, lang: str) -> str:
    """A step's length as one reads it: minutes under an hour, hours under a day, else
    calendar days ("30100 min" -> "20.9 calendar days")."""
    zh = lang == "zh"
    if minutes < 60:
        return f"{minutes:.0f} 分钟" if zh else f"{minutes:.0f} min"
    if minutes < 1440:
        return f"{minutes / 60:.1f} 小时" if zh else f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} 个日历日" if zh else f"{minutes / 1440:.1f} calendar days"


def message(key: str, lang: str, **fields: object) -> str:
    """The refusal ``key`` of ``WORDS`` in ``lang``, its fields filled in."""
    return say(WORDS, key, lang, fields)


def activity(text: str, items: dict[str, str], lang: str) -> str:
    """A walk's activity in ``lang``: "decide birth_certificate" -> "审批 出生医学证明"
    (``items``: item id -> the scenario's bilingual name)."""
    verb, _, item = text.partition(" ")
    if verb == "decide" and item in items:
        return f"{words(lang)['activity.decide']} {name_in(items[item], lang)}"
    if text.startswith("sent back"):
        return words(lang)["activity.gather"]
    found = WORDS.get(f"activity.{text}")
    return found[1 if lang == "zh" else 0] if found else text


DETAIL_HEADS = {
    "files": ("files", "递交"),
    "materials": ("materials", "材料"),
    "results": ("results", "领取结果"),
    "steps": ("steps", "环节"),
}


def detail(text: str, items: dict[str, str], lang: str) -> str:
    """A walk step's detail (``scenarios.story.event_detail``: "files a, b; materials: X;
    Y | results: c | steps: apply, decide") with its item ids as the scenario names them,
    each material once, in ``lang``."""
    zh = lang == "zh"
    parts: list[tuple[str, list[str]]] = []
    pieces = (p.strip() for section in text.split(" | ") for p in section.split("; "))
    for part in filter(None, pieces):
        head, _, rest = part.partition(" " if part.startswith("files ") else ": ")
        if head in ("files", "results"):
            parts.append((head, [name_in(items.get(k, k), lang) for k in rest.split(", ")]))
        elif head == "materials" and rest == "none":
            parts.append((head, [words(lang)["none"]]))
        elif head == "steps" and rest:
            parts.append((head, [words(lang).get(f"step.{k}", k) for k in rest.split(", ")]))
        elif head == "materials" and rest:
            parts.append((head, [name_in(rest, lang)]))
        elif parts and parts[-1][0] == "materials":
            parts[-1][1].append(name_in(part, lang))
        else:
            parts.append(("", [name_in(part, lang)]))
    shown = []
    for head, values in parts:
        values = list(dict.fromkeys(values))
        label = DETAIL_HEADS[head][1 if zh else 0] if head else ""
        joined = "、".join(values) if zh else ", ".join(values)
        shown.append(
            f"{label}：{joined}" if zh and label else f"{label}: {joined}" if label else joined
        )
    return ("；" if zh else "; ").join(shown)


def scenario_names(data: Any, lang: str) -> dict[str, dict[str, str]]:
    """The names a scenario's data gives its items, departments and materials (section ->
    key -> name in ``lang``), for the field paths of its problems."""
    names: dict[str, dict[str, str]] = {}
    for section in ("items", "departments", "materials"):
        parts = data.get(section) if isinstance(data, dict) else None
        for key, part in parts.items() if isinstance(parts, dict) else ():
            if isinstance(part, dict) and isinstance(part.get("name"), str):
                names.setdefault(section, {})[str(key)] = name_in(part["name"], lang)
    return names


def problem_line(
    problem: Problem, file: str, lang: str, names: dict[str, dict[str, str]] | None = None
) -> str:
    """A problem as the page shows it: the CLI's ``file: path: reason`` in English; in
    Chinese the field by its labels and names, and the reason from the core's catalogue
    (``scenarios.reasons``)."""
    if problem.file:
        file = Path(problem.file).name
    if lang == "en":
        return f"{file}: {problem.path}: {problem.reason}"
    where = field_path(problem.path, lang, names)
    in_trace = f"到达记录 {file} " if problem.file else ""
    return f"{in_trace}{where}：{problem.in_language(lang)}"


def file_error_text(error: FileError, lang: str) -> str:
    """A file's problems, one a line, in ``lang``: in English the CLI's lines; in Chinese
    with the names the file gives its items and departments, when it reads as YAML."""
    if lang == "en":
        return str(error)
    try:
        names = scenario_names(read_yaml(Path(error.file)), lang)
    except FileError:
        names = {}
    file = Path(error.file).name
    return "\n".join(problem_line(p, file, lang, names) for p in error.problems)


def failure(error: Exception, titles: dict[str, str] | None = None) -> dict[str, str]:
    """Why a running job failed, in each language (the page shows its own): the core's
    errors with their figures, a file's problems by field, a core error whose message is a
    catalogue sentence (``errors.Sentence``) in either language; an error with no words of
    its own keeps its English detail under a Chinese headline.
    ``titles``: bundle id -> its bilingual title, to name the bundle."""
    from onething.api import WarmupTooLong
    from onething.scenarios.calendar import MAX_YEARS, TooFarAhead
    from onething.scenarios.errors import Message
    from onething.scenarios.official_calendar import LAST_DAY, BeyondOfficialCalendar
    from onething.services.broker import BrokerUnavailable
    from onething.sim.harness import LiveError
    from onething.sim.overload import Overloaded

    def each(key: str, **fields: Any) -> dict[str, str]:
        return {lang: message(key, lang, **fields) for lang in LANGUAGES}

    text = str(error) or type(error).__name__
    if isinstance(error, FileError):
        return {lang: file_error_text(error, lang) for lang in LANGUAGES}
    said = error if isinstance(error, Message) else next(iter(error.args), None)
    if isinstance(said, Message):  # a core error with a sentence of its catalogue
        return {lang: said.in_language(lang) for lang in LANGUAGES}
    if isinstance(error, Overloaded):
        title = name_in((titles or {}).get(error.scenario, error.scenario), "zh")
        return {"en": text, "zh": _overloaded_in_chinese(error, title)}
    if isinstance(error, BeyondOfficialCalendar):
        day = error.day
        return each(
            "failed.beyond_calendar",
            text=text,
            last_year=LAST_DAY.year,
            day=day.isoformat(),
            year=day.year,
        )
    if isinstance(error, TooFarAhead):
        return each("failed.too_far_ahead", text=text, day=error.day.isoformat(), years=MAX_YEARS)
    if isinstance(error, WarmupTooLong):
        return each("failed.warmup", warmup=error.warmup, horizon=error.horizon)
    if isinstance(error, BrokerUnavailable):
        return each("failed.broker", text=text)
    if isinstance(error, LiveError):
        return each("failed.live", text=text)
    return each("failed.other", text=text)


def _overloaded_in_chinese(error: Any, title: str) -> str:
    """``sim.overload.Overloaded`` in Chinese (its English is its own text): the variant by
    its levers' names, each booked-out place with its queue."""
    from onething.scenarios.official_calendar import LAST_DAY

    w = words("zh")
    levers = [w.get(f"lever.{name}", name) for name in error.process.split("+")]
    queues = "；".join(
        message(
            "failed.queue",
            "zh",
            name=name_in(queue.name, "zh"),
            windows=queue.windows,
            queueing=queue.queueing,
            serving=(
                ""
                if queue.capacity_per_day is None
                else message("failed.serving", "zh", capacity=queue.capacity_per_day)
            ),
        )
        for queue in error.queues
    )
    return message(
        "failed.overloaded",
        "zh",
        scenario=title,
        variant=w["mode.before"] if error.process == "before" else "+".join(levers),
        per_day=error.arrivals_per_day,
        day=error.day.isoformat(),
        days=error.elapsed_days,
        arrived=error.arrived,
        finished=error.finished,
        queues=queues,
        last_day=LAST_DAY.isoformat(),
        field=field_path("applicants.arrivals.per_working_day", "zh"),
    )
