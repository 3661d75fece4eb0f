"""What a study's summary table says (its title, column heads and notes), in English and
Chinese: the CLI prints the English, a workbench page in 中文 the Chinese.  Templates as
in ``scenarios.reasons`` (``{x!i}`` a place's or bundle's id by its name, ``{x!w}`` a
``word.x`` of this catalogue)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onething.experiments.present import cap, lever, place
from onething.scenarios.errors import Text
from onething.scenarios.model import Scenario
from onething.scenarios.reasons import FIELDS, name_in, say

LEVER_NAMES: dict[str, tuple[str, str]] = {
    "lever.single_window": ("Single window", "综合窗口"),
    "lever.one_form": ("One form", "一表申请"),
    "lever.data_sharing": ("Data sharing", "数据共享"),
    "lever.parallel_approval": ("Parallel approval", "并联审批"),
    "lever.e_certificate": ("E-certificate", "电子证照"),
    "lever.online_intake": ("Online intake", "网上申办"),
    "lever.notify_commit": ("Notify and commit", "告知承诺"),
    "lever.staffing": ("Staffing", "窗口配置"),
}
"""The levers (scenarios/levers) by their ids, as a page or a report names them."""

KIND_NAMES: dict[str, tuple[str, str]] = {
    "study.variants": ("variants", "方案比较"),
    "study.lever_attribution": ("lever attribution", "举措贡献分解"),
    "study.load_sweep": ("load sweep", "负荷扫描"),
    "study.staffing": ("staffing", "窗口配置"),
    "study.sensitivity": ("sensitivity", "敏感性分析"),
}
"""The study kinds (experiments/studies) by their names."""

REPORT: dict[str, tuple[str, str]] = {
    # the page's own headings and lines (experiments/report.py)
    "report.question": ("The question", "研究问题"),
    "report.findings": ("Findings", "结论"),
    "report.plots": ("Plots", "图表"),
    "report.tables": ("Tables", "数据表"),
    "report.meta": (
        "Study kind: {kind}; bundle {bundle}; {settings}. Means over replications with 95 % "
        "Student-t intervals [low, high].",
        "研究类型：{kind}；事项：{bundle}；{settings}。各数值为多次重复的均值，"
        "方括号内为 95% Student-t 置信区间 [下限, 上限]。",
    ),
    "report.replications": ("replications", "重复次数"),
    "report.horizon_days": ("horizon (days)", "模拟天数"),
    "report.warmup_days": ("warm-up (days)", "预热天数"),
    "report.seed": ("seed", "随机种子"),
    "report.written": ("Written by {command} from {folder}.", "由 {command} 根据结果目录生成。"),
    "report.unknown_question": (
        "What does the {kind} study say about {bundle}?",
        "{kind}研究对{bundle}说明了什么？",
    ),
    "report.scenario": ("The scenario", "场景"),
    "report.scenario_of": ("The scenario: {title}", "场景：{title}"),
    "report.not_loaded": (
        "The scenario could not be loaded: {why}",
        "无法载入场景：{why}",
    ),
    "report.how": (
        "{how}; levers of the published after process: {levers}.",
        "{how}；公开的改革后流程所用举措：{levers}。",
    ),
    "report.catalog_bundle": ("catalog bundle {name}", "事项目录中的“{name}”"),
    "report.scenario_file": ("scenario file {path}", "场景文件 {path}"),
    "report.no_bundle": ("the spec names no bundle", "研究规格没有指定事项"),
    "report.not_found": (
        "scenario file {path} not found (it is relative to the original spec)",
        "找不到场景文件 {path}（路径相对于原研究规格所在位置）",
    ),
    "report.quoted": (
        "Its description, sources, assumptions and notes are quoted as the scenario file "
        "writes them.",
        "以下场景说明、来源、假设和备注均按场景文件原文引用。",
    ),
    "report.items": ("Items", "事项"),
    "report.sources": ("Sources", "来源"),
    "report.published": ("Published figures", "公开数据"),
    "report.assumptions": ("Assumptions", "假设"),
    "report.item": ("item", "事项"),
    "report.department": ("department", "部门"),
    "report.processing": ("processing", "办理时间"),
    "report.promised": ("promised", "承诺时限"),
    "report.requires": ("requires", "前置事项"),
    "report.measure": ("measure", "指标"),
    "report.process": ("process", "流程"),
    "report.value": ("value", "数值"),
    "report.source": ("source", "来源"),
    "report.note": ("note", "说明"),
    "report.none": ("none", "无"),
    "report.mean": ("mean {value} {unit}", "平均 {value} {unit}"),
    "report.min": ("min", "分钟"),
    "report.h": ("h", "小时"),
    "report.working_days": ("working days", "个工作日"),
    "report.calendar_days": ("calendar days", "个自然日"),
    # the summary tables' measures and groups
    "measure.time_working_days": ("Time (working days)", "办理时间（工作日）"),
    "measure.time_working_days.mean": ("Time, mean (working days)", "办理时间均值（工作日）"),
    "measure.time_working_days.p50": ("Time, median (working days)", "办理时间中位数（工作日）"),
    "measure.time_working_days.p90": (
        "Time, 90th percentile (working days)",
        "办理时间 90% 分位数（工作日）",
    ),
    "measure.wait_minutes.mean": ("Waiting at windows (min)", "窗口排队等候（分钟）"),
    "measure.trips_observed.mean": ("Trips incl. rework (per case)", "跑动次数（含补正，每件）"),
    "measure.within_promise": ("Within the promised time (share)", "承诺时限内办结（比例）"),
    "measure.steps": ("Steps 环节", "环节"),
    "measure.materials": ("Materials 材料", "材料"),
    "measure.trips": ("Trips 跑动", "跑动"),
    "measure.form_fields": ("Form fields 表单字段", "表单字段"),
    "measure.cases": ("Cases measured", "统计案件数"),
    "measure.unfinished": ("Unfinished cases", "未办结案件"),
    "measure.utilisation": ("Utilisation: {place}", "利用率：{place}"),
    "group.time": ("Time and service", "办理时间与服务"),
    "group.counts": ("Counts (from the process, no randomness)", "数量（由流程决定，无随机性）"),
    "group.cases": ("Cases", "案件"),
    "group.load": (
        "Load on the windows (utilisation: offered work / capacity)",
        "窗口负荷（利用率 = 工作量 / 办理能力）",
    ),
    "group.other": ("Other measures", "其他指标"),
    "caption.time_ecdf.png": (
        "Share of cases done within each end-to-end time, per variant (further left is faster; "
        "the quantiles are averaged over replications).",
        "各方案在各办理时间内办结的案件比例（越靠左越快；分位数为多次重复的平均）。",
    ),
    # why a variant is slow (studies/kind.py: saturation)
    "saturation.saturated": (
        "the {place} runs at {load} utilisation (saturated: its queue spills into later days)",
        "{place}的利用率为 {load}（已饱和：排队延续到之后的日子）",
    ),
    "saturation.unfinished": (
        "{count} cases per run are unfinished at its end",
        "每次运行结束时有 {count} 件未办结",
    ),
    "saturation.at": ("at the {place}", "在{place}"),
    "saturation.where": ("where it queues", "在排队之处"),
    "saturation.why": (
        "{lead}{parts}; more windows {where} would fix it (a staffing study finds how many)",
        "{lead}{parts}；{where}增加窗口即可解决（窗口配置研究可算出需要几个）",
    ),
    "saturation.before": ("Before{why}.", "改革前{why}。"),
    # the generic findings (studies/variants.py)
    "variants.ran": (
        "The study ran {count} variants; see the tables below.",
        "本研究运行了 {count} 个方案；详见下面的数据表。",
    ),
    "variants.fastest": (
        "Fastest: {variant}, {mean} working days on average ({ci}).",
        "最快：{variant}，平均 {mean} 个工作日（{ci}）。",
    ),
    "variants.slowest": (
        "Slowest: {variant}, {mean} working days ({ci}){why}.",
        "最慢：{variant}，{mean} 个工作日（{ci}）{why}。",
    ),
    "variants.overlap": (
        "The 95 % intervals of {best} and {second} overlap: with these replications the data "
        "do not tell them apart.",
        "{best}与{second}的 95% 置信区间重叠：以现有重复次数，数据无法区分二者。",
    ),
    "variants.against_before": (
        "{variant}: {change:+.0f} % time against before{why}.",
        "{variant}：办理时间比改革前 {change:+.0f}%{why}。",
    ),
    # lever attribution's findings and table
    "attribution.cuts": (
        "{lever} alone cuts end-to-end time by {days} (from {before} to {after}){why}.",
        "仅实施{lever}，办理时间缩短 {amount} 个工作日（从 {before} 到 {after}）{why}。",
    ),
    "attribution.adds": (
        "{lever} alone adds {days} to the end-to-end time (from {before} to {after}): on "
        "its own it does not pay{why}.",
        "仅实施{lever}，办理时间增加 {amount} 个工作日（从 {before} 到 {after}）："
        "单独实施并不划算{why}。",
    ),
    "attribution.unchanged": (
        "{lever} alone leaves the time unchanged{why}.",
        "仅实施{lever}，办理时间不变{why}。",
    ),
    "attribution.together": (
        "All {count} levers together take the time from {before} to {after} working days "
        "({relative}){trips}{why}.",
        "全部 {count} 项举措一起实施，办理时间从 {before} 变为 {after} 个工作日"
        "（{relative}）{trips}{why}。",
    ),
    "attribution.together_trips": (
        " and the trips from {before} to {after}",
        "，跑动次数从 {before} 变为 {after}",
    ),
    "attribution.leaving_out": (
        "Leaving {lever} out of the full set costs the most: {days} more.",
        "从全部举措中去掉{lever}的代价最大：多 {amount} 个工作日。",
    ),
    "attribution.reinforce": (
        "Together the levers cut {days} more than the sum of their separate effects: they "
        "reinforce each other.",
        "各举措一起实施比各自单独作用之和多缩短 {amount} 个工作日：它们相互增强。",
    ),
    "attribution.overlap": (
        "Together the levers cut {days} less than the sum of their separate effects: they "
        "partly do the same work.",
        "各举措一起实施比各自单独作用之和少缩短 {amount} 个工作日：它们的作用部分重叠。",
    ),
    "attribution.trips_saved": ("Trips: {savers} on its own.", "跑动次数：{savers}。"),
    "attribution.saves": ("{lever} saves {count}", "仅实施{lever}减少 {count} 次"),
    "attribution.published": (
        "The published figures ({source}) are {before} → {after} working days; the model "
        "gives {model_before} → {model_after}.",
        "公开数据（{source}）为 {before} → {after} 个工作日；模型给出 "
        "{model_before} → {model_after}。",
    ),
    "attribution.source_unknown": ("source unknown", "来源不明"),
    "attribution.contributions": (
        "Lever contributions (difference in means against before)",
        "各举措的贡献（与改革前的均值之差）",
    ),
    "attribution.table_head": ("{measure!w} {part!w}", "{measure!w}（{part!w}）"),
    "word.all_but_one": ("all but one", "边际"),
    # load sweep's findings and table
    "load_sweep.band": (" (95 % CI {low}–{high})", "（95% 置信区间 {low}–{high}）"),
    "load_sweep.light": (
        "At {rate} arrivals a working day a case takes {time} working days{band}.",
        "每工作日到达 {rate} 人时，每件平均办理 {time} 个工作日{band}。",
    ),
    "load_sweep.saturates": (
        "The {place} is the bottleneck and saturates at about {at} arrivals a day (its "
        "utilisation is offered work over capacity: {load} at {rate} a day, {heavy_load} at "
        "{heavy_rate}); beyond that, more windows at the {place} would fix it (a staffing "
        "study finds how many).",
        "{place}是瓶颈，每日到达约 {at} 人时饱和（利用率为工作量与办理能力之比：每日 {rate} "
        "人时为 {load}，{heavy_rate} 人时为 {heavy_load}）；超出后，在{place}增加窗口即可解决"
        "（窗口配置研究可算出需要几个）。",
    ),
    "load_sweep.knee_time": (
        ": mean time {time} working days",
        "：平均办理时间 {time} 个工作日",
    ),
    "load_sweep.blows_up": (
        "Time blows up from about {knee} arrivals a day (the knee: mean time over {factor}× "
        "the lightest load's, or unfinished cases){detail}.",
        "每日到达约 {knee} 人起办理时间急剧上升（拐点：平均办理时间超过最低负荷时的 {factor} "
        "倍，或出现未办结案件）{detail}。",
    ),
    "load_sweep.never": (
        "Within these rates the time never exceeds 1.5× the lightest load's: no knee.",
        "在这些到达率内，办理时间从未超过最低负荷时的 1.5 倍：没有拐点。",
    ),
    "load_sweep.heavy": (
        "At {rate} a day a case takes {time} working days, {times:.1f}× as long as at {light}.",
        "每日 {rate} 人时，每件平均办理 {time} 个工作日，是每日 {light} 人时的 {times:.1f} 倍。",
    ),
    "load_sweep.overload": (
        "From {rate} a day some cases never finish within the run (overload): their times "
        "are not in the means.",
        "每日 {rate} 人起，部分案件在运行结束前未能办结（超负荷）：其耗时未计入均值。",
    ),
    "load_sweep.heading": ("Load sweep", "负荷扫描"),
    "load_sweep.a_bottleneck": ("bottleneck", "瓶颈"),
    "load_sweep.per_day": ("arrivals a day", "每日到达人数"),
    "load_sweep.mean_time": ("mean time", "平均办理时间"),
    "load_sweep.ci95": ("95 % CI", "95% 置信区间"),
    "load_sweep.utilisation_of": ("utilisation {place}", "{place}利用率"),
    "load_sweep.unfinished_cases": ("unfinished", "未办结"),
    # sensitivity's findings and table
    "sensitivity.at_baseline": (
        "At the baseline (every scale 1, the bundle's arrival rate) a case takes {time} "
        "working days{band}.",
        "基准情形下（各倍数为 1，按该事项的到达率），每件平均办理 {time} 个工作日{band}。",
    ),
    "sensitivity.saturated_at": ("; at {value}{why}", "；取 {value} 时{why}"),
    "sensitivity.swings": (
        "{rank}. {parameter} from {low} to {high} swings the mean time by {swing} working "
        "days ({time_low} → {time_high}: higher is {direction}){why}.",
        "{rank}. {parameter}从 {low} 到 {high}，平均办理时间变化 {swing} 个工作日"
        "（{time_low} → {time_high}：取值越高越{direction}）{why}。",
    ),
    "word.longer": ("longer", "慢"),
    "word.shorter": ("shorter", "快"),
    "sensitivity.quiet": (
        "Within the baseline's 95 % interval (the data cannot tell these from chance): {names}.",
        "在基准的 95% 置信区间之内（数据无法将其与偶然区分）：{names}。",
    ),
    "sensitivity.heading": ("Sensitivity, largest swing first", "敏感性，变化幅度最大的在前"),
    "sensitivity.rank": ("rank", "排序"),
    "sensitivity.range": ("low .. high", "低值 .. 高值"),
    # staffing's findings and table
    "staffing.windows_at": ("{count} window{s} at the {place}", "{place} {count} 个窗口"),
    "staffing.found": (
        "Answer: {windows} ({total} in all) keep {share} of cases within the promised time "
        "at {rate} arrivals a working day (target {target}).",
        "结论：{windows}（共 {total} 个）时，每工作日到达 {rate} 人，{share} 的案件在承诺时限内"
        "办结（目标 {target}）。",
    ),
    "staffing.not_found": (
        "No answer: with up to {max_windows} windows per place the target of {target} within "
        "the promised time is not reached at {rate} arrivals a day; the best is {best} with "
        "{windows}.",
        "未得出结论：每处最多 {max_windows} 个窗口时，每日到达 {rate} 人，达不到 {target} 在"
        "承诺时限内办结的目标；最好的是{windows}时的 {best}。",
    ),
    "staffing.stopped": (
        "The search stopped before an answer: {message}.",
        "搜索在得出结论前停止。",
    ),
    "staffing.path": (
        "The path, windows in all (share within the promised time): {steps}; each step adds "
        "one window where the previous step was busiest.",
        "搜索路径，窗口总数（承诺时限内办结比例）：{steps}；每一步在上一步最繁忙之处增加一个窗口。",
    ),
    "staffing.last": (
        "At the last step the {place} runs at {load} utilisation ({state}).",
        "最后一步时，{place}的利用率为 {load}（{state}）。",
    ),
    "word.saturated": (
        "saturated: its queue spills into later days",
        "已饱和：排队延续到之后的日子",
    ),
    "word.busiest": ("the busiest", "最繁忙"),
    "staffing.heading": ("The staffing search, step by step", "窗口配置搜索的每一步"),
    "staffing.windows_of": ("windows: {place}", "窗口数：{place}"),
    "staffing.busiest_place": ("busiest place", "最繁忙之处"),
    "staffing.its_utilisation": ("its utilisation", "其利用率"),
    "attribution.interaction_note": (
        "Interaction (all levers minus the sum of the alone effects): time {time} working "
        "days, trips {trips}.",
        "交互作用（全部举措的效果减去各举措单独作用之和）：办理时间 {time} 个工作日，"
        "跑动次数 {trips}。",
    ),
}
"""The report's own words and the findings it writes, key -> (English, Chinese)."""

FINDINGS: dict[str, tuple[str, str]] = {
    # column heads shared by the kinds
    "head.mean_time": ("mean time (working days)", "平均办理时间（工作日）"),
    "head.ci95_low": ("ci95 low", "95% 置信区间下限"),
    "head.ci95_high": ("ci95 high", "95% 置信区间上限"),
    # variants
    "variants.title": (
        "{bundle}: {count} variants ({replications} replications each)",
        "{bundle!i}：{count} 个方案（每个重复 {replications} 次）",
    ),
    "variants.variant": ("variant", "方案"),
    "variants.levers": ("levers", "改革举措"),
    "variants.trips": ("trips incl. rework", "跑动次数（含补正）"),
    "variants.within": ("within promise (share)", "承诺时限内办结（比例）"),
    # lever attribution
    "attribution.title": (
        "{bundle}: lever attribution, each lever's effect on the mean (negative = shorter or "
        "fewer; time in working days; {replications} replications)",
        "{bundle!i}：举措贡献分解，各举措对均值的影响（负数为缩短或减少；时间以工作日计；"
        "重复 {replications} 次）",
    ),
    "attribution.lever": ("lever", "举措"),
    "attribution.head": ("{measure} {part}{unit}", "{measure!w}（{part!w}）"),
    "word.time": ("time", "办理时间"),
    "word.trips": ("trips", "跑动次数"),
    "word.alone": ("alone", "单独"),
    "word.marginal": ("marginal", "边际"),
    "word.cumulative": ("cumulative", "累计"),
    "attribution.parts": (
        "alone: the lever alone vs before; marginal: all levers vs all but this one; "
        "cumulative: added to the levers before it, in the order below",
        "单独：只实施该举措与改革前相比；边际：全部举措与去掉该举措相比；"
        "累计：按下列顺序加在前面各举措之上",
    ),
    "attribution.all": (
        "all levers vs before: time {time_before:.3g} -> {time_all:.3g} working days "
        "({time_change}), trips {trips_before:g} -> {trips_all:g} ({trips_change})",
        "全部举措与改革前相比：办理时间 {time_before:.3g} → {time_all:.3g} 个工作日"
        "（{time_change}），跑动 {trips_before:g} → {trips_all:g} 次（{trips_change}）",
    ),
    "attribution.interaction": (
        "interaction (difference - sum of alone): time {time}, trips {trips}",
        "交互作用（总变化减去各举措单独作用之和）：办理时间 {time}，跑动 {trips}",
    ),
    "attribution.order": ("cumulative order: {order}", "累计顺序：{order}"),
    # load sweep
    "load_sweep.title": (
        "{bundle}: load sweep ({replications} replications per rate)",
        "{bundle!i}：负荷扫描（每个到达率重复 {replications} 次）",
    ),
    "load_sweep.rate": ("arrivals/day", "每日到达人数"),
    "load_sweep.utilisation": ("utilisation {place}", "{place!i} 利用率"),
    "load_sweep.unfinished": ("unfinished cases", "未办结案件"),
    "load_sweep.bottleneck": (
        "bottleneck: {place} (the busiest place at the heaviest rate)",
        "瓶颈：{place!i}（最高到达率下最繁忙的办理地点）",
    ),
    "load_sweep.knee": (
        "knee: {knee:g} arrivals per working day (mean time over {factor:g}x the lightest "
        "rate's, or unfinished cases)",
        "拐点：每工作日 {knee:g} 人（平均办理时间超过最低到达率时的 {factor:g} 倍，"
        "或出现未办结案件）",
    ),
    "load_sweep.no_knee": ("knee: none within these rates", "拐点：在这些到达率内没有出现"),
    # sensitivity
    "sensitivity.title": (
        "{bundle}: sensitivity of mean time, one parameter at a time "
        "({replications} replications each)",
        "{bundle!i}：平均办理时间的敏感性，每次只改变一个参数（每个重复 {replications} 次）",
    ),
    "sensitivity.parameter": ("parameter", "参数"),
    "sensitivity.low": ("low", "低值"),
    "sensitivity.high": ("high", "高值"),
    "sensitivity.time_low": ("time at low (working days)", "低值时的办理时间（工作日）"),
    "sensitivity.time_high": ("time at high (working days)", "高值时的办理时间（工作日）"),
    "sensitivity.swing": ("swing (working days)", "变化幅度（工作日）"),
    "sensitivity.baseline": (
        "baseline (every scale 1, the scenario's arrival rate): {time} working days",
        "基准（各倍数为 1，按场景的到达率）：{time} 个工作日",
    ),
    "sensitivity.baseline_band": (
        "baseline (every scale 1, the scenario's arrival rate): {time} working days "
        "(95 % CI {low:.3g} .. {high:.3g})",
        "基准（各倍数为 1，按场景的到达率）：{time} 个工作日"
        "（95% 置信区间 {low:.3g} – {high:.3g}）",
    ),
    "sensitivity.sorted": (
        "sorted by swing = |time at high - time at low|",
        "按变化幅度排序（高值与低值时办理时间之差的绝对值）",
    ),
    # staffing
    "staffing.title": (
        "{bundle}: fewest windows for {target:.0%} within the promised time at "
        "{rate:g} arrivals/day ({replications} replications per step)",
        "{bundle!i}：每日 {rate:g} 人时，使 {target:.0%} 的案件在承诺时限内办结所需的"
        "最少窗口数（每步重复 {replications} 次）",
    ),
    "staffing.step": ("step", "步骤"),
    "staffing.windows": ("windows {place}", "{place!i} 窗口数"),
    "staffing.within": ("within promise", "承诺时限内办结"),
    "staffing.ci95": ("ci95", "95% 置信区间"),
    "staffing.busiest": ("busiest", "最繁忙处"),
    "staffing.utilisation": ("utilisation", "利用率"),
    "staffing.answer": (
        "answer: {message}",
        "结论：{windows} 个窗口时，{share} 的案件在承诺时限内办结",
    ),
    "staffing.no_answer": (
        "no answer: {message}",
        "未得出结论：在每处最多 {max_windows} 个窗口内未达到目标",
    ),
    "staffing.searching": ("no answer: {message}", "未得出结论：搜索尚未结束"),
    "staffing.how": (
        "each step adds one window at the previous step's busiest place (utilisation "
        "= offered window work / window capacity)",
        "每一步在上一步最繁忙的办理地点增加一个窗口（利用率 = 窗口工作量 / 窗口能力）",
    ),
    # words of the table's cells
    "word.before": ("before", "改革前"),
    "word.sum": ("sum", "合计"),
    "word.after": ("after", "改革后"),
    # what the runner adds (experiments/console.py)
    "computed": (
        "{computed} replications computed, {reused} reused from the cache",
        "计算了 {computed} 次重复，{reused} 次取自缓存",
    ),
}
FINDINGS.update(REPORT)
FINDINGS.update(LEVER_NAMES)
FINDINGS.update(KIND_NAMES)
"""Key -> (English, Chinese)."""


class Finding(Text):
    """A title, column head or note of a study's table, or a sentence of its report
    (``FINDINGS``); a field that is itself a ``Message`` (a clause) is said in the same
    language."""

    catalogue = FINDINGS

    def in_language(self, lang: str, names: Mapping[str, str] | None = None) -> str:
        fields = {
            k: v.in_language(lang, names) if hasattr(v, "in_language") else v
            for k, v in self.fields.items()
        }
        return say(self.catalogue, self.key, lang, fields, names)


class Pair(str):
    """A name in both languages (a lever, a place, a variant): its English is the string,
    its Chinese is kept beside it for a finding said in Chinese."""

    zh: str

    def __new__(cls, english: str, chinese: str) -> Pair:
        pair = str.__new__(cls, english)
        pair.zh = chinese
        return pair

    def in_language(self, lang: str, names: Mapping[str, str] | None = None) -> str:
        return self.zh if lang == "zh" else str(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return Pair, (str(self), self.zh)


class Clauses(str):
    """Clauses of one sentence (``Finding``s), joined with the language's semicolon."""

    parts: list[Any]
    separator: str

    def __new__(cls, parts: list[Any], separator: str = "; ") -> Clauses:
        clauses = str.__new__(cls, separator.join(parts))
        clauses.parts, clauses.separator = parts, separator
        return clauses

    def in_language(self, lang: str, names: Mapping[str, str] | None = None) -> str:
        if lang != "zh":
            return str(self)
        chinese = {"; ": "；", ", ": "，"}.get(self.separator, self.separator)
        return chinese.join(said(p, lang, names) for p in self.parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return Clauses, (self.parts, self.separator)


def lever_pair(name: str, capital: bool = False) -> Pair:
    """A lever by its name in both languages (a name no lever has: the name itself)."""
    english = cap(lever(name)) if capital else lever(name)
    chinese = LEVER_NAMES.get(f"lever.{name}", (english, english))[1]
    return Pair(english, chinese)


def place_pair(scenario: Scenario | None, name: str) -> Pair:
    """A department (or the single window) by the scenario's names: bilingual in English,
    as the English report always showed it, its Chinese name alone in Chinese."""
    shown = place(scenario, name)
    return Pair(shown, name_in(shown, "zh"))


def variant_pair(variant: str, scenario: Scenario | None) -> Pair:
    """A variant as its name (``data_sharing+e_certificate``, ``before``, ``rate=12``,
    ``single_window=2,hrss=1``) in English, by its levers', parameters' and places' names
    in Chinese."""

    def part(text: str) -> str:
        key, equals, value = text.partition("=")
        if not equals:
            if key in ("before", "after"):
                return FINDINGS[f"word.{key}"][1]
            return lever_pair(key).zh
        if key == "rate":
            return f"{FINDINGS['load_sweep.rate'][1]} {value}"
        if key in FIELDS:
            return f"{FIELDS[key][1]} {value}"
        return f"{place_pair(scenario, key).zh} {value}"

    chinese = "，".join("+".join(map(part, group.split("+"))) for group in variant.split(","))
    return Pair(variant, chinese)


def led(clause: Any, english: str, chinese: str) -> Any:
    """A clause of ``saturation`` led by another mark than its dash (a colon, a comma)."""
    if not isinstance(clause, Finding):
        return clause
    return Finding(clause.key, **{**clause.fields, "lead": Pair(english, chinese)})


def said(text: Any, lang: str, names: Mapping[str, str] | None = None) -> str:
    """A finding in ``lang``: a ``Finding`` in that language, any other text as it is."""
    return text.in_language(lang, names) if hasattr(text, "in_language") else str(text)


def word(key: str, lang: str, **fields: Any) -> str:
    """The report's word or line ``key`` in ``lang``."""
    return say(FINDINGS, key, lang, fields)
