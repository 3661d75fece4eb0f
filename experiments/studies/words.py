"""What a study's summary table says (its title, column heads and notes), in English and
Chinese: the CLI prints the English, a workbench page in 中文 the Chinese.  Templates as
in ``scenarios.reasons`` (``{x!i}`` a place's or bundle's id by its name, ``{x!w}`` a
``word.x`` of this catalogue)."""

from __future__ import annotations

from onething.scenarios.errors import Text

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
    # what the runner adds (experiments/console.py)
    "computed": (
        "{computed} replications computed, {reused} reused from the cache",
        "计算了 {computed} 次重复，{reused} 次取自缓存",
    ),
}
"""Key -> (English, Chinese)."""


class Finding(Text):
    """A title, column head or note of a study's table (``FINDINGS``)."""

    catalogue = FINDINGS
