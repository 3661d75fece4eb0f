"""Chinese and English on every page: the catalog's bilingual names split in two, and the
few words of the pages themselves."""

from __future__ import annotations

import re

LANGUAGES = ("en", "zh")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def split_name(text: str) -> tuple[str, str]:
    """'Newborn birth 新生儿出生一件事' -> ('Newborn birth', '新生儿出生一件事').

    The catalog writes names as English then Chinese; a name in one language only is
    used for both."""
    match = _CJK.search(text)
    if match is None:
        return text.strip(), text.strip()
    english, chinese = text[: match.start()].strip(" ,;:-—"), text[match.start() :].strip()
    return english or chinese, chinese


def name_in(text: str, lang: str) -> str:
    english, chinese = split_name(text)
    return chinese if lang == "zh" else english


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
    "sources": ("Sources", "来源"),
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
    "time_working_days": ("Time (working days)", "办理时间（工作日）"),
    "wait_minutes": ("Waiting (minutes)", "排队等候（分钟）"),
    "time_calendar_hours": ("Time (calendar hours)", "办理时间（日历小时）"),
    "trips_observed": ("Trips incl. rework", "实际跑动（含补正）"),
    "promise_working_days": ("Promised time (working days)", "承诺时限（工作日）"),
    "cases": ("Cases measured", "统计案件数"),
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
    "findings": ("Findings", "结论"),
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
    "none": ("none", "无"),
}


def words(lang: str) -> dict[str, str]:
    index = 1 if lang == "zh" else 0
    return {key: pair[index] for key, pair in WORDS.items()}
