"""Response-time reports: per agent and overall, with the breaches behind them and a chart."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from bot.config import ServiceTargets
from bot.service_time.metrics import AGENT, NOBODY, Rounds, Summary, Targets, rounds, summarize
from bot.storage import Storage

UNASSIGNED = "(未分配)"
#: Stable keys of `csbot report --format json`, documented in the README.
SUMMARY_KEYS = tuple(Summary.__dataclass_fields__)


@dataclass(frozen=True)
class Breach:
    conversation: int
    agent: str
    kind: str  # first | next
    started_at: float
    answered_at: float | None
    seconds: float | None
    target: float


@dataclass(frozen=True)
class Report:
    targets: Targets
    timezone: str
    since: float | None
    until: float | None
    overall: Summary
    agents: dict[str, Summary]
    rounds: Rounds
    agent_names: dict[int, str]

    def local(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC).astimezone(ZoneInfo(self.timezone))

    @property
    def breach_count(self) -> int:
        return self.overall.breaches

    def breaches(self, latest: int | None = None) -> list[Breach]:
        """The breaching rounds, oldest first; ``latest`` keeps only the last ones."""
        r = self.rounds
        picked = np.flatnonzero(r.breached(self.targets))
        picked = picked[np.argsort(r.start[picked], kind="stable")]
        if latest is not None:
            picked = picked[len(picked) - latest :] if latest else picked[:0]
        out = []
        for i in picked.tolist():
            answered = not np.isnan(r.seconds[i])
            out.append(
                Breach(
                    conversation=int(r.conversation[i]),
                    agent=self.agent_names.get(int(r.agent[i]), UNASSIGNED),
                    kind="first" if r.first[i] else "next",
                    started_at=float(r.start[i]),
                    answered_at=float(r.end[i]) if answered else None,
                    seconds=float(r.seconds[i]) if answered else None,
                    target=self.targets.first if r.first[i] else self.targets.next,
                )
            )
        return out


async def build_report(
    storage: Storage,
    settings: ServiceTargets,
    *,
    since: float | None = None,
    until: float | None = None,
    agent: str | None = None,
    conversation: str | None = None,
) -> Report:
    """Rounds that start in [since, until), for one agent or conversation or all of them."""
    timeline = await storage.timeline(since=since, until=until, conversation=conversation)
    names = await storage.agents()
    columns = [timeline.conversation, timeline.ts, timeline.role]
    agents = timeline.agent
    all_rounds = rounds(*columns, agents, settings.hours())
    keep = np.ones(len(all_rounds.start), dtype=bool)
    if since is not None:
        keep &= all_rounds.start >= since
    if until is not None:
        keep &= all_rounds.start < until
    replies_in_scope = columns[2] == AGENT
    ts = columns[1]
    if since is not None:
        replies_in_scope &= ts >= since
    if until is not None:
        replies_in_scope &= ts < until
    if agent is not None:
        wanted = [code for code, name in names.items() if name == agent or str(code) == agent]
        keep &= np.isin(all_rounds.agent, wanted)
        replies_in_scope &= np.isin(agents, wanted)
    chosen = all_rounds.select(keep)
    targets = Targets(settings.first_response_seconds, settings.next_response_seconds)
    per_agent = {}
    for code in np.unique(chosen.agent).tolist():
        mine = chosen.select(chosen.agent == code)
        replies = int(np.count_nonzero(replies_in_scope & (agents == code)))
        per_agent[names.get(code, UNASSIGNED) if code != NOBODY else UNASSIGNED] = summarize(
            mine, targets, replies=replies
        )
    overall = summarize(chosen, targets, replies=int(np.count_nonzero(replies_in_scope)))
    return Report(
        targets=targets,
        timezone=settings.timezone,
        since=since,
        until=until,
        overall=overall,
        agents=dict(sorted(per_agent.items())),
        rounds=chosen,
        agent_names=names,
    )


# --- output formats ---------------------------------------------------------------------------


def as_json(report: Report, *, breaches: bool = True) -> dict[str, object]:
    """The JSON document of `csbot report --format json` (keys documented in the README)."""
    return {
        "timezone": report.timezone,
        "since": report.since,
        "until": report.until,
        "targets": {"first_seconds": report.targets.first, "next_seconds": report.targets.next},
        "overall": _summary(report.overall),
        "agents": [{"agent": name, **_summary(s)} for name, s in report.agents.items()],
        "breaches": [asdict(b) for b in report.breaches()] if breaches else [],
    }


def _summary(summary: Summary) -> dict[str, object]:
    data = asdict(summary)
    data.pop("extra", None)
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in data.items()}


def as_csv(report: Report) -> str:
    """One row per agent, then the overall row."""
    buffer = io.StringIO()
    keys = [k for k in SUMMARY_KEYS if k != "extra"]
    writer = csv.writer(buffer)
    writer.writerow(["agent", *keys])
    rows = [*report.agents.items(), ("(全部)", report.overall)]
    for name, summary in rows:
        values = _summary(summary)
        writer.writerow([name, *("" if values[k] is None else values[k] for k in keys)])
    return buffer.getvalue()


def breaches_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["conversation", "agent", "kind", "started_at", "answered_at", "seconds", "target"]
    )
    for b in report.breaches():
        writer.writerow(
            [
                b.conversation,
                b.agent,
                b.kind,
                report.local(b.started_at).isoformat(timespec="seconds"),
                report.local(b.answered_at).isoformat(timespec="seconds") if b.answered_at else "",
                "" if b.seconds is None else round(b.seconds, 1),
                b.target,
            ]
        )
    return buffer.getvalue()


def daily_compliance(report: Report) -> dict[str, dict[str, float]]:
    """Per agent, per local day: the share of rounds within target."""
    r = report.rounds
    ok = ~r.breached(report.targets)
    days = [report.local(t).date().isoformat() for t in r.start.tolist()]
    out: dict[str, dict[str, list[bool]]] = {}
    for day, code, good in zip(days, r.agent.tolist(), ok.tolist(), strict=True):
        name = report.agent_names.get(code, UNASSIGNED)
        out.setdefault(name, {}).setdefault(day, []).append(good)
    return {
        name: {day: sum(v) / len(v) for day, v in sorted(per_day.items())}
        for name, per_day in sorted(out.items())
    }


_LABELS_ZH = {
    "first": "首响 {s:g}s",
    "next": "后续 {s:g}s",
    "seconds": "响应时间 (秒)",
    "spread": "各客服响应时间分布",
    "percent": "达标率 %",
    "daily": "每日达标率",
}
_LABELS_EN = {
    "first": "first {s:g}s",
    "next": "next {s:g}s",
    "seconds": "response time (s)",
    "spread": "Response times per agent",
    "percent": "within target %",
    "daily": "Compliance per day",
}


def chart(report: Report, path: Path | io.BytesIO) -> None:
    """Each agent's response-time distribution against the 15 s / 20 s lines, and compliance
    per day, as one PNG. Labels are Chinese where the machine has a CJK font; otherwise English,
    with agents' names in pinyin, so nothing renders as empty boxes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chinese = use_cjk_font(plt)
    text = _LABELS_ZH if chinese else _LABELS_EN

    def label(name: str) -> str:
        return name if chinese else latin_name(name)

    r = report.rounds
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), dpi=110)
    data, labels = [], []
    for name in report.agents:
        codes = [c for c, n in report.agent_names.items() if n == name] or [NOBODY]
        mine = np.isin(r.agent, codes) & r.answered
        data.append(r.seconds[mine] if mine.any() else np.array([0.0]))
        labels.append(label(name))
    if data:
        left.boxplot(data, showfliers=True)
        left.set_xticks(range(1, len(labels) + 1), labels, rotation=20)
    left.axhline(
        report.targets.first,
        color="tab:orange",
        linestyle="--",
        label=text["first"].format(s=report.targets.first),
    )
    left.axhline(
        report.targets.next,
        color="tab:red",
        linestyle="--",
        label=text["next"].format(s=report.targets.next),
    )
    left.set_ylabel(text["seconds"])
    left.set_yscale("symlog", linthresh=60)
    left.set_title(text["spread"])
    left.legend(loc="upper right")
    for name, per_day in daily_compliance(report).items():
        right.plot(
            list(per_day), [100 * v for v in per_day.values()], marker="o", label=label(name)
        )
    right.set_ylim(0, 105)
    right.set_ylabel(text["percent"])
    right.set_title(text["daily"])
    right.tick_params(axis="x", rotation=30)
    if report.agents:
        right.legend(loc="lower left", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def latin_name(name: str) -> str:
    """A person's name in pinyin (小美 → XiaoMei), for charts on machines without a CJK font."""
    if name.isascii():
        return name
    from pypinyin import lazy_pinyin

    return "".join(w.capitalize() for w in lazy_pinyin(name))


_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)


def use_cjk_font(plt: object) -> bool:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in _CJK_FONTS:
        if name in installed:
            plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]  # type: ignore[attr-defined]
            plt.rcParams["axes.unicode_minus"] = False  # type: ignore[attr-defined]
            return True
    return False
