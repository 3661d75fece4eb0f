"""The one catalogue of what the core says about a scenario, an arrival trace or an experiment
spec (and about a live run's broker or services that did not come up): each reason
(``REASONS``) and each field name (``FIELDS``) in English and Chinese. ``errors.Reason``
carries a key of it; the CLI prints the English, which is the text it always printed; a
workbench page says the Chinese.

A template is ``str.format`` text with conversions of its own: ``{x!f}`` writes the field
name ``x`` in the language, ``{x!u}`` the unit ``x``, ``{x!p}`` a dotted field path,
``{x!n}`` a name of the file (or a chain of them) in the language, ``{x!v}`` pydantic's list
of the values to choose from ("'a', 'b' or 'c'") as the values alone, ``{x!i}`` an id (a
place, a bundle) by its name in the language (from the names given to ``say``), ``{x!w}``
the word ``word.x`` of the same catalogue."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

REASONS: dict[str, tuple[str, str]] = {
    # names (scenarios/model.py: Identifier)
    "name_too_long": (
        "{length} characters; the limit is {limit}",
        "共 {length} 个字符，上限为 {limit}",
    ),
    "identifier": (
        "{name!r}: use lowercase letters, digits and underscores, starting with a letter",
        "「{name}」：请只用小写英文字母、数字和下划线，并以字母开头",
    ),
    # distributions
    "over_duration_limit": (
        "{name} over the limit of {limit:g} {unit} ({years} years)",
        "{name!f}超过上限 {limit:g} {unit!u}（{years} 年）",
    ),
    "around_the_clock_here": (
        "{unit} count around the clock: only an item's processing and waiting period (and"
        " travel) may use them; say this time in working_days, hours or minutes",
        "{unit!u}不分昼夜计算：只有事项的办理时间和等待期（以及路程）可以使用；"
        "此处请用工作日、小时或分钟",
    ),
    "lognormal_spread": ("sd is more than {limit} times the mean", "标准差超过均值的 {limit} 倍"),
    "triangular_order": (
        "needs low <= mode <= high and low < high",
        "须满足 最小值 ≤ 众数 ≤ 最大值，且最小值 < 最大值",
    ),
    "weights_count": (
        "weights has {weights} entries but values has {values}",
        "权重有 {weights} 项，取值却有 {values} 项",
    ),
    # calendar
    "time_of_day": ("{text!r} is not a time of day HH:MM", "「{text}」不是“时:分”格式的时刻"),
    "time_of_day_range": (
        "{text!r} is not a time of day between 00:00 and 24:00",
        "「{text}」不是 00:00 至 24:00 之间的时刻",
    ),
    "holidays_list": (
        "give 'official' (the State Council's calendar, the default) or 'none'; "
        "list local days off under extra_holidays",
        "请填 official（国务院公布的节假日安排，默认）或 none；本地的休息日请列在“额外休息日”下",
    ),
    "holiday_and_workday": (
        "{day} is in both extra_holidays and extra_workdays",
        "{day} 同时列在“额外休息日”和“额外工作日”中",
    ),
    "period_backwards": (
        "period {start}-{end} ends before it starts",
        "时段 {start}-{end} 的结束早于开始",
    ),
    "period_overlap": (
        "period {start}-{end} overlaps the one before",
        "时段 {start}-{end} 与前一时段重叠",
    ),
    "weekday_twice": ("lists a weekday twice", "同一个工作日列了两次"),
    "run_times_order": (
        "run time {text!r} is not after the one before it: list a day's runs in order, each once",
        "运行时间「{text}」不晚于前一个：请按先后列出每天的运行时间，各一次",
    ),
    "when_closed_around_the_clock": (
        "has a processing_when_closed, but its processing counts in {unit} around the clock:"
        " a department that never closes has no filings while closed; leave it out",
        "设置了关闭时段的办理时间，但其办理时间按{unit!u}不分昼夜计算：从不关闭的部门没有"
        "关闭时段的申报；请删去此项",
    ),
    "filed_within_without_period": (
        "sets {within} without a {period}: it limits which filings the period holds for;"
        " give the period, or leave this out",
        "设置了{within!f}却没有{period!f}：它限定等待期适用于哪些申报；请给出等待期，或删去此项",
    ),
    "filed_within_other_clock": (
        "counts {within} on another clock than {period}: both in {unit} (around the clock)"
        " or both in working time",
        "{within!f}与{period!f}计时方式不同：两者都用{unit!u}（不分昼夜），或都用工作时间",
    ),
    "weekday_hours_not_worked": (
        "gives hours to {day}, which is not among the working weekdays",
        "为 {day} 给出了办公时间，但它不在工作日之列",
    ),
    "beyond_official_calendar": (
        "{message}",
        "官方工作日历（{source}）只覆盖 {first}–{last} 年，本次运行需要 {day}。"
        "请在国务院公布 {year} 年节假日安排后升级 chinesecalendar，"
        "或把“节假日”设为 none，并在“额外休息日”和“额外工作日”中列出该年的安排",
    ),
    # arrivals
    "season_backwards": ("end is before start", "结束日期早于开始日期"),
    "one_arrival_process": (
        "give exactly one of per_working_day or trace",
        "“每工作日到达人数”和“到达记录”须填且只填一项",
    ),
    "season_inside": (
        "date_profile: {start} falls inside the season before it",
        "日期权重：{start} 落在前一个时段之内",
    ),
    "peak_too_high": (
        "per_working_day times the highest date_profile weight is {peak:g} arrivals a day; "
        "the limit is {limit:g}",
        "每工作日到达人数乘以最高日期权重为每天 {peak:g} 人，上限为 {limit:g}",
    ),
    "hourly_no_weight": (
        "no weight in any opening hour of the calendar",
        "日历的办公时间内没有任何一个小时的权重大于 0",
    ),
    "weekday_no_weight": ("no weight on any working weekday", "没有任何一个工作日的权重大于 0"),
    "not_working_weekday": ("not a working weekday of the calendar", "不是日历中的工作日"),
    # the file
    "not_in_catalog": (
        "not a file and not in the catalog ({known})",
        "既不是文件，也不在事项目录中",
    ),
    "not_a_file": ("not a file", "不是文件"),
    "file_too_large": ("{size} bytes; the limit is {limit}", "共 {size} 字节，上限为 {limit} 字节"),
    "no_such_file": ("no such file", "没有这个文件"),
    "cannot_read": ("cannot read: {error}", "无法读取此文件"),
    "not_yaml": ("not valid YAML: {detail}", "不是有效的 YAML，请检查此行"),
    "not_a_mapping": ("expected a mapping of scenario fields", "应为场景字段的映射（字段: 值）"),
    "no_trace_file": ("no such file {path}", "没有到达记录文件 {name}"),
    "no_section": ("no such section (setting {dotted})", "没有这一节（设置 {dotted!p} 时）"),
    # references between parts of a scenario (scenarios/loader.py: cross_check)
    "unknown_department": (
        "unknown department {department!r} (known: {known})",
        "未知的部门「{department}」",
    ),
    "unknown_department_key": ("unknown department", "未知的部门"),
    "unknown_item": ("unknown item {item!r}", "未知的事项「{item}」"),
    "self_require": ("an item cannot require itself", "事项不能以自身为前置"),
    "unknown_material": ("unknown material {material!r}", "未知的材料「{material}」"),
    "material_twice": ("lists a material twice", "同一材料列了两次"),
    "unknown_group": ("unknown field group {group!r}", "未知的字段组「{group}」"),
    "promised_positive": ("a promised time limit must be positive", "承诺时限须大于 0"),
    "dependency_cycle": ("dependency cycle {cycle}", "前置事项循环依赖：{names!n}"),
    "produced_by": (
        "{material!r} is produced by {maker!r}, which {item!r} does not require",
        "「{material_name!n}」由「{maker_name!n}」产生，而「{item_name!n}」并不以它为前置",
    ),
    "start_place": (
        "must be 'home' or a department, not {start!r}",
        "须为 home 或一个部门，而不是「{start}」",
    ),
    "unknown_lever": ("unknown lever {quoted} (known: {known})", "未知的改革举措「{names}」"),
    "lever_twice": ("lists a lever twice", "同一举措列了两次"),
    "unknown_source": ("unknown source {source!r}", "未知的来源「{source}」"),
    "names_missing_field": ("names a field that is not in the file", "所指的字段不在文件中"),
    "warmup_too_long": ("must be shorter than run.horizon_days", "须短于“模拟天数”"),
    # an arrival trace (scenarios/loader.py: read_trace)
    "needs_arrival_column": (
        "needs a column 'arrival' or 'arrival_minutes'",
        "须有一列 arrival 或 arrival_minutes",
    ),
    "too_many_arrivals": ("more than {limit} arrivals", "到达记录超过 {limit} 条"),
    "cannot_read_time": ("cannot read {text!r} as a time", "无法把「{text}」读作时间"),
    "time_zone": (
        "cannot read {text!r} as a time: has a time zone; give local times without one",
        "「{text}」带有时区：请填写不带时区的本地时间",
    ),
    "after_horizon": (
        "more than {days} days (the longest horizon) after the scenario's run.start_date",
        "晚于场景开始日期超过 {days} 天（最长模拟期）",
    ),
    "before_start": ("before the scenario's run.start_date", "早于场景的开始日期"),
    "unsorted": ("arrivals must be sorted", "到达时间须按先后排序"),
    "no_arrivals": ("no arrivals in the trace", "到达记录中没有数据"),
    # experiment specs (experiments/spec_file.py, experiments/studies)
    "spec_not_mapping": (
        "expected a mapping of experiment fields",
        "应为实验字段的映射（字段: 值）",
    ),
    "kind_missing": ("required field is missing (one of {kinds})", "缺少必填项（研究类型）"),
    "unknown_kind": ("unknown kind {kind!r} (one of {kinds})", "未知的研究类型「{kind}」"),
    "spec_warmup_too_long": (
        "{warmup} must be shorter than {horizon} days",
        "预热 {warmup} 天，须短于模拟的 {horizon} 天",
    ),
    "nul_in_bundle": ("a name or path has no NUL character", "名称或路径中不能有空字符"),
    "bundle_outside": (
        "{bundle!r}: name a catalog or saved bundle, or a file beside the spec",
        "「{bundle}」：请填写目录中或已保存的事项名称，或与规格文件同目录的文件",
    ),
    "no_scenario_file": ("no such scenario file {file}", "没有场景文件 {name}"),
    "unknown_bundle": ("unknown bundle {bundle!r} (known: {known})", "未知的事项「{bundle}」"),
    "no_after_levers": (
        "{name} has no 'after' levers; list them here",
        "该事项没有“改革后”的举措，请在此列出",
    ),
    "order_each_once": ("must list each of {levers} once", "须把每项所选举措恰好列一次"),
    "parameter_twice": ("parameter {name!r} is listed twice", "参数「{name!f}」列了两次"),
    "low_above_high": ("{low:g} is above high ({high:g})", "{low:g} 大于最大值（{high:g}）"),
    "arrivals_range": (
        "arrivals per day must be in (0, {limit:g}]",
        "每日到达人数须大于 0，且不超过 {limit:g}",
    ),
    "scale_limit": ("a scale must be at most {limit:g}", "倍数不能超过 {limit:g}"),
    "place_twice": ("lists a place twice", "同一办理地点列了两次"),
    "unknown_place": (
        "unknown place {name!r} (known: {known})",
        "未知的办理地点「{name}」",
    ),
    "no_queue_at": (
        "the process does not queue at {name!r} (it does at: {queues})",
        "流程在「{name}」不排队",
    ),
    "variant_named_twice": ("variant {name!r} is named twice", "方案名称「{name}」重复"),
    "unknown_window_place": (
        "unknown department (known: {known})",
        "未知的部门",
    ),
    # pydantic's own kinds of error, by their type, with their context
    "pydantic.missing": ("required field is missing", "缺少必填项"),
    "pydantic.union_tag_not_found": ("required field is missing", "缺少必填项"),
    "pydantic.extra_forbidden": ("unknown field (check the spelling)", "未知字段（请检查拼写）"),
    "pydantic.union_tag_invalid": (
        "input tag {tag!r} found using {discriminator} does not match any of the "
        "expected tags: {expected_tags}",
        "「{tag}」不是可选的类型（可选：{expected_tags!v}）",
    ),
    "pydantic.greater_than": ("Input should be greater than {gt}", "须大于 {gt}"),
    "pydantic.greater_than_equal": (
        "Input should be greater than or equal to {ge}",
        "须不小于 {ge}",
    ),
    "pydantic.less_than": ("Input should be less than {lt}", "须小于 {lt}"),
    "pydantic.less_than_equal": ("Input should be less than or equal to {le}", "须不大于 {le}"),
    "pydantic.int_type": ("Input should be a valid integer", "须为整数"),
    "pydantic.int_parsing": ("Input should be a valid integer", "须为整数"),
    "pydantic.int_from_float": ("Input should be a valid integer", "须为整数（不能有小数）"),
    "pydantic.int_parsing_size": ("Unable to parse input string as an integer", "整数过大"),
    "pydantic.float_type": ("Input should be a valid number", "须为数字"),
    "pydantic.float_parsing": ("Input should be a valid number", "须为数字"),
    "pydantic.finite_number": ("Input should be a finite number", "须为有限的数字"),
    "pydantic.bool_type": ("Input should be a valid boolean", "须为 true 或 false"),
    "pydantic.bool_parsing": ("Input should be a valid boolean", "须为 true 或 false"),
    "pydantic.string_type": ("Input should be a valid string", "须为文字"),
    "pydantic.string_too_long": (
        "String should have at most {max_length} characters",
        "不能超过 {max_length} 个字符",
    ),
    "pydantic.too_short": (
        "{field_type} should have at least {min_length} items",
        "至少须有 {min_length} 项",
    ),
    "pydantic.too_long": (
        "{field_type} should have at most {max_length} items",
        "最多只能有 {max_length} 项",
    ),
    "pydantic.literal_error": ("Input should be {expected}", "须为以下之一：{expected!v}"),
    "pydantic.list_type": ("Input should be a valid list", "须为列表"),
    "pydantic.tuple_type": ("Input should be a valid tuple", "须为一对值"),
    "pydantic.dict_type": ("Input should be a valid dictionary", "须为映射（字段: 值）"),
    "pydantic.model_type": (
        "Input should be a valid dictionary or instance of {class_name}",
        "须为映射（字段: 值）",
    ),
    "pydantic.model_attributes_type": (
        "Input should be a valid dictionary or object to extract fields from",
        "须为映射（字段: 值）",
    ),
    "pydantic.date_type": ("Input should be a valid date", "须为日期（年-月-日）"),
    "pydantic.date_parsing": ("Input should be a valid date", "须为日期（年-月-日）"),
    "pydantic.date_from_datetime_parsing": (
        "Input should be a valid date",
        "须为日期（年-月-日）",
    ),
    "pydantic.date_from_datetime_inexact": (
        "Datetimes provided to dates should have zero time",
        "须为日期，不带时刻",
    ),
    # choices (scenarios/model.py: Repeat, Option; loader: _alternatives)
    "one_of_redo_rounds": (
        "give exactly one of redo or rounds",
        "“再办概率”和“轮数权重”须填且只填一项",
    ),
    "rounds_zero": ("rounds: the weights add up to 0", "轮数权重之和为 0"),
    "shares_not_one": (
        "the options' shares add up to {total}, not 1",
        "各选项的占比之和为 {total}，应为 1",
    ),
    "item_in_two_options": (
        "{item!r} is already in {where}",
        "「{item}」已列在 {where!p} 中",
    ),
    "item_twice_in_option": (
        "{item!r} is listed twice in this option",
        "「{item}」在此选项中重复列出",
    ),
    "take_up_in_alternative": (
        "{item!r} has its own take_up; its share is the option's here",
        "「{item}」自带办理比例；在此其占比由所属选项决定",
    ),
    # the parts of a live run that did not come up (services/broker.py, onething/live.py)
    "broker_exited": (
        "{name} at {address} exited with code {code}; see {log}",
        "{name}（{address}）已退出，退出码 {code}；日志见 {log}",
    ),
    "broker_silent": (
        "{name} at {address} did not answer in {timeout:.0f} s (is the machine very busy?); "
        "see {log}",
        "{name}（{address}）{timeout:.0f} 秒内没有应答（机器是否太忙？）；日志见 {log}",
    ),
    "no_broker_at": (
        "no Kafka broker answers at {address}; start the embedded one with `onething broker`",
        "{address} 上没有 Kafka 消息代理应答；可用 `onething broker` 启动内置的代理",
    ),
    "service_exited": (
        "service {name} exited; its log: {log}",
        "服务「{name}」已退出；日志见 {log}",
    ),
    "service_silent": (
        "service {name} not ready after {timeout:.0f} s; its log: {log}",
        "服务「{name}」{timeout:.0f} 秒后仍未就绪；日志见 {log}",
    ),
    "pydantic.other": ("{message}", "取值无效"),
}
"""Reason key -> (English, Chinese).  ``pydantic.other`` is the fallback for a kind of
pydantic error not listed (the tests hold that no scenario mistake comes to it)."""

FIELDS: dict[str, tuple[str, str]] = {
    "after": ("after", "改革后举措"),
    "applicants": ("applicants", "申请人"),
    "arrivals": ("arrivals", "到达"),
    "alternatives": ("alternatives", "择一事项"),
    "arrivals_per_day": ("arrivals per day", "每日到达人数"),
    "at": ("at", "运行时间"),
    "arrival": ("arrival", "到达时间"),
    "arrival_minutes": ("arrival minutes", "到达分钟数"),
    "assumptions": ("assumptions", "假设"),
    "at_start": ("at start", "开始时"),
    "bundle": ("bundle", "事项"),
    "calendar": ("calendar", "日历"),
    "commitment": ("commitment", "告知承诺"),
    "date_profile": ("date profile", "日期权重"),
    "decided_within": ("decided within", "最迟办结时限"),
    "delivery": ("delivery", "送达方式"),
    "department": ("department", "部门"),
    "departments": ("departments", "部门"),
    "description": ("description", "说明"),
    "dist": ("distribution", "分布类型"),
    "end": ("end", "结束"),
    "extra_holidays": ("extra holidays", "额外休息日"),
    "extra_workdays": ("extra workdays", "额外工作日"),
    "field_groups": ("field groups", "字段组"),
    "form": ("form", "表单"),
    "groups": ("groups", "字段组"),
    "handling": ("handling", "窗口办理时间"),
    "handling_scale": ("handling scale", "窗口办理时间倍数"),
    "high": ("high", "最大值"),
    "holidays": ("holidays", "节假日"),
    "hour_rates": ("pace by hour", "各时段工作节奏"),
    "horizon_days": ("horizon days", "模拟天数"),
    "hourly_profile": ("hourly profile", "每小时权重"),
    "hours": ("hours", "办公时间"),
    "items": ("items", "事项"),
    "kind": ("kind", "研究类型"),
    "levers": ("levers", "改革举措"),
    "low": ("low", "最小值"),
    "mail": ("mail", "邮寄"),
    "materials": ("materials", "材料"),
    "max_windows": ("max windows", "最多窗口数"),
    "mean": ("mean", "均值"),
    "measure": ("measure", "指标"),
    "mode": ("mode", "模式"),
    "name": ("name", "名称"),
    "note": ("note", "备注"),
    "order": ("order", "顺序"),
    "overrides": ("overrides", "参数调整"),
    "own_fields": ("own fields", "自有字段数"),
    "paper_transfer": ("paper transfer", "纸质流转"),
    "parameters": ("parameters", "参数"),
    "per_working_day": ("per working day", "每工作日到达人数"),
    "physical": ("physical", "实体证件"),
    "pickup_handling": ("pick-up handling", "领取办理时间"),
    "placeholders": ("placeholders", "占位数据"),
    "places": ("places", "办理地点"),
    "processing": ("processing", "后台办理时间"),
    "processing_scale": ("processing scale", "后台办理时间倍数"),
    "processing_when_closed": ("processing when closed", "关闭时段申报的办理时间"),
    "processing_with_data_sharing": ("processing with data sharing", "数据共享时的后台办理时间"),
    "produces": ("produces", "产生的材料"),
    "promised": ("promised", "承诺时限"),
    "published": ("published", "公开数据"),
    "rates": ("rates", "到达人数"),
    "redo": ("redo", "再办概率"),
    "repeat": ("repeat", "重复办理"),
    "replications": ("replications", "重复次数"),
    "requires": ("requires", "前置事项"),
    "result": ("result", "办理结果"),
    "rework": ("rework", "补正概率"),
    "rounds": ("rounds", "轮数权重"),
    "rework_delay": ("rework delay", "补正耗时"),
    "rework_scale": ("rework scale", "补正比例倍数"),
    "runs": ("runs", "定时批处理"),
    "run": ("run", "运行设置"),
    "sd": ("sd", "标准差"),
    "seed": ("seed", "随机种子"),
    "share": ("share", "占比"),
    "shared": ("shared", "可共享"),
    "single_window": ("single window", "综合窗口"),
    "source": ("source", "来源"),
    "sources": ("sources", "来源"),
    "staffing": ("staffing", "窗口配置"),
    "start": ("start", "开始"),
    "start_date": ("start date", "开始日期"),
    "steps": ("steps", "环节"),
    "take_up": ("take-up", "办理比例"),
    "target_within_promise": ("target within promise", "承诺时限内办结目标"),
    "title": ("title", "标题"),
    "trace": ("trace", "到达记录"),
    "travel": ("travel", "路途时间"),
    "travel_scale": ("travel scale", "路程时间倍数"),
    "unit": ("unit", "单位"),
    "value": ("value", "取值"),
    "values": ("values", "取值"),
    "variants": ("variants", "方案"),
    "waiting_filed_within": ("waiting filed within", "等待期适用的申报时限"),
    "waiting_period": ("waiting period", "等待期"),
    "warmup_days": ("warm-up days", "预热天数"),
    "weekday_hours": ("hours of a weekday", "某工作日的办公时间"),
    "weekday_profile": ("weekday profile", "工作日权重"),
    "weekdays": ("weekdays", "工作日"),
    "weight": ("weight", "权重"),
    "weights": ("weights", "权重"),
    "windows": ("windows", "窗口数"),
    "within": ("deadline of the rounds", "轮次截止时限"),
    # weekdays (scenarios/model.py: Weekday)
    "mon": ("Monday", "周一"),
    "tue": ("Tuesday", "周二"),
    "wed": ("Wednesday", "周三"),
    "thu": ("Thursday", "周四"),
    "fri": ("Friday", "周五"),
    "sat": ("Saturday", "周六"),
    "sun": ("Sunday", "周日"),
}
"""A field of a scenario or spec (and a weekday) -> how a page names it."""

UNITS: dict[str, tuple[str, str]] = {
    "minutes": ("minutes", "分钟"),
    "hours": ("hours", "小时"),
    "working_days": ("working days", "个工作日"),
    "calendar_days": ("calendar days", "个自然日"),
}
"""The units of a distribution (scenarios/model.py: Unit)."""

WHERE: dict[str, tuple[str, str]] = {
    "(top)": ("(top)", "整个文件"),
    "(file)": ("(file)", "文件"),
    "(bundle)": ("(bundle)", "事项"),
    "(header)": ("(header)", "表头"),
    "(rows)": ("(rows)", "数据行"),
    "(yaml)": ("(yaml)", "YAML"),
}
"""The places a problem can be that are no field."""

KEYED = {
    "items": "items",
    "departments": "departments",
    "materials": "materials",
    "field_groups": "field_groups",
    "sources": "sources",
    "staffing": "departments",
    "windows": "departments",
}
"""Sections whose keys are the file's own names -> the section that names them."""


CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def split_name(text: str) -> tuple[str, str]:
    """'Newborn birth 新生儿出生一件事' -> ('Newborn birth', '新生儿出生一件事').

    The catalog writes names as English then Chinese; a name in one language only is
    used for both."""
    match = CJK.search(text)
    if match is None:
        return text.strip(), text.strip()
    english, chinese = text[: match.start()].strip(" ,;:-—"), text[match.start() :].strip()
    return english or chinese, chinese


def name_in(text: str, lang: str) -> str:
    english, chinese = split_name(text)
    return chinese if lang == "zh" else english


def field_path(path: str, lang: str, names: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """A dotted field path as a page in ``lang`` shows it: in Chinese each part by its
    label, an item's or department's key by its name in ``names`` (section -> key ->
    name), a list index as 第 n 项, a trace's ``line N`` as 第 N 行; in English the path
    itself."""
    if lang == "en":
        return path
    if path in WHERE:
        return WHERE[path][1]
    shown: list[str] = []
    parts = path.split(".")
    for i, part in enumerate(parts):
        before = parts[i - 1] if i else ""
        if part.startswith("line ") and part[5:].isdigit():
            shown.append(f"第 {part[5:]} 行")
        elif before == "hourly_profile" and part.isdigit():
            shown.append(f"{part} 时")
        elif part.isdigit():
            shown.append(f"第 {int(part) + 1} 项")
        elif before in KEYED and part in (names or {}).get(KEYED[before], {}):
            shown.append(names[KEYED[before]][part])  # type: ignore[index]
        elif before not in KEYED and part in FIELDS:
            shown.append(FIELDS[part][1])
        else:
            shown.append(f"「{part}」")
    return " › ".join(shown)


class _Templates(string.Formatter):
    def __init__(
        self,
        lang: str,
        catalogue: Mapping[str, tuple[str, str]],
        names: Mapping[str, str] | None,
    ):
        self.lang, self.catalogue, self.names = lang, catalogue, names or {}

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "i":
            return name_in(self.names.get(str(value), str(value)), self.lang)
        if conversion == "w":
            return self.catalogue[f"word.{value}"][self.lang == "zh"]
        if conversion == "f":
            return FIELDS.get(str(value), (str(value),) * 2)[self.lang == "zh"]
        if conversion == "u":
            return UNITS.get(str(value), (str(value),) * 2)[self.lang == "zh"]
        if conversion == "p":
            return field_path(str(value), self.lang)
        if conversion == "n":
            names = value if isinstance(value, list | tuple) else [value]
            return " → ".join(name_in(str(name), self.lang) for name in names)
        if conversion == "v":
            return "、".join(re.findall(r"'([^']*)'", str(value))) or str(value)
        return super().convert_field(value, conversion)


def say(
    catalogue: Mapping[str, tuple[str, str]],
    key: str,
    lang: str,
    fields: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
) -> str:
    """The message ``key`` of ``catalogue`` in ``lang``, written with ``fields`` (and
    ``names``, id -> name, for its ``{x!i}``)."""
    return _Templates(lang, catalogue, names).format(catalogue[key][lang == "zh"], **fields)
