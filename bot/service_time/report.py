"""Response-time reports: per agent and overall, with the breaches behind them.

The chart of a report is drawn by `bot.charts.report_figure`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from bot.config import ServiceTargets
from bot.service_time.metrics import AGENT, NOBODY, Rounds, Summary, Targets, rounds, summarize
from bot.storage import Storage

UNASSIGNED = "（未分配）"
ALL = "（全部）"
#: Stable keys of `csbot report --format json`, documented in the README.
SUMMARY_KEYS = tuple(Summary.__dataclass_fields__)
#: Excel reads a UTF-8 CSV as the local code page unless it starts with a byte-order mark.
BOM = "\ufeff"


class ReportError(ValueError):
    """A report that cannot be made as asked (an unknown agent or conversation)."""


@dataclass(frozen=True)
class Breach:
    conversation: int  # the storage's internal id (kept for old readers of the JSON)
    conversation_id: str  # the conversation's own id where it came from: qn-001, 7:123
    title: str | None  # its display name (the customer, the chat), when the source has one
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
    database: str | None = None  # the file the report read
    conversations: dict[int, tuple[str, str | None]] = field(default_factory=dict)

    def local(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC).astimezone(ZoneInfo(self.timezone))

    @property
    def first_round(self) -> float | None:
        return float(self.rounds.start.min()) if len(self.rounds.start) else None

    @property
    def last_round(self) -> float | None:
        return float(self.rounds.start.max()) if len(self.rounds.start) else None

    def period_text(self) -> str:
        """The period read, in words: asked bounds, else the span of the rounds found."""
        day = "%Y-%m-%d %H:%M"
        if self.since is None and self.until is None:
            if self.first_round is None or self.last_round is None:
                return "全部记录（没有任何会话）"
            first, last = self.local(self.first_round), self.local(self.last_round)
            return f"全部记录：{first:%Y-%m-%d} 至 {last:%Y-%m-%d}（{self.timezone}）"
        since = self.local(self.since).strftime(day) if self.since is not None else "最早"
        until = f"{self.local(self.until):{day}} 之前" if self.until is not None else "现在"
        return f"{since} 至 {until}（{self.timezone}）"

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
            code = int(r.conversation[i])
            external, title = self.conversations.get(code, (str(code), None))
            out.append(
                Breach(
                    conversation=code,
                    conversation_id=external,
                    title=title,
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
    """Rounds that start in [since, until), for one agent or conversation or all of them.

    An agent or conversation the database does not know is a `ReportError` that says so."""
    names = await storage.agents()
    if agent is not None and not any(n == agent or str(c) == agent for c, n in names.items()):
        known = "、".join(sorted(names.values())) or "（还没有）"
        raise ReportError(f"没有找到客服「{agent}」。数据库里的客服：{known}")
    timeline = await storage.timeline(since=since, until=until, conversation=conversation)
    if conversation is not None and not len(timeline.conversation):
        raise ReportError(
            f"没有找到会话「{conversation}」（在这段时间里）；请写会话编号（如 qn-001）或标题"
        )
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
    breached = np.unique(chosen.conversation[chosen.breached(targets)]).tolist()
    return Report(
        targets=targets,
        timezone=settings.timezone,
        since=since,
        until=until,
        overall=overall,
        agents=dict(sorted(per_agent.items())),
        rounds=chosen,
        agent_names=names,
        database=storage.location,
        conversations=await storage.conversation_names(breached),
    )


# --- output formats ---------------------------------------------------------------------------


def as_json(report: Report, *, breaches: bool = True) -> dict[str, object]:
    """The JSON document of `csbot report --format json` (keys documented in the README)."""
    return {
        "database": report.database,
        "timezone": report.timezone,
        "since": report.since,
        "until": report.until,
        "first_round": report.first_round,
        "last_round": report.last_round,
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
    """One row per agent, then the overall row (no BOM: the caller adds one for a file)."""
    buffer = io.StringIO()
    keys = [k for k in SUMMARY_KEYS if k != "extra"]
    writer = csv.writer(buffer)
    writer.writerow(["agent", *keys])
    rows = [*report.agents.items(), (ALL, report.overall)]
    for name, summary in rows:
        values = _summary(summary)
        writer.writerow([name, *("" if values[k] is None else values[k] for k in keys)])
    return buffer.getvalue()


def breaches_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "conversation", "conversation_id", "title", "agent", "kind", "started_at",
            "answered_at", "seconds", "target",
        ]
    )  # fmt: skip
    for b in report.breaches():
        writer.writerow(
            [
                b.conversation,
                b.conversation_id,
                b.title or "",
                b.agent,
                b.kind,
                report.local(b.started_at).isoformat(timespec="seconds"),
                report.local(b.answered_at).isoformat(timespec="seconds") if b.answered_at else "",
                "" if b.seconds is None else round(b.seconds, 1),
                b.target,
            ]
        )
    return buffer.getvalue()


def answered_seconds(report: Report) -> dict[str, np.ndarray]:
    """Per agent (in report order), the business seconds of their answered rounds."""
    r = report.rounds
    out = {}
    for name in report.agents:
        codes = [c for c, n in report.agent_names.items() if n == name] or [NOBODY]
        out[name] = r.seconds[np.isin(r.agent, codes) & r.answered]
    return out


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
