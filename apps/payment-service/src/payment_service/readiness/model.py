"""What a readiness evaluation produces: one finding per check, and the evaluation itself."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Outcome(StrEnum):
    """The outcome of one check, and of the whole evaluation."""

    PASS = "pass"  # noqa: S105 (an outcome, not a password)
    FAIL = "fail"
    UNKNOWN = "unknown"
    """The check could not be made: an API did not answer (within the budget), failed, or the
    answer does not decide. Never a guess either way; no metric datapoint is published."""


@dataclass(frozen=True)
class Finding:
    """What a check (or one part of it: a region, a resource) found, and why."""

    outcome: Outcome
    reason: str


def passed(reason: str) -> Finding:
    """A passing finding."""
    return Finding(Outcome.PASS, reason)


def failed(reason: str) -> Finding:
    """A failing finding."""
    return Finding(Outcome.FAIL, reason)


def unknown(reason: str) -> Finding:
    """A finding that could not be made."""
    return Finding(Outcome.UNKNOWN, reason)


def worst(outcomes: Iterable[Outcome]) -> Outcome:
    """``fail`` if any failed, else ``unknown`` if any is unknown, else ``pass``."""
    seen = set(outcomes)
    if Outcome.FAIL in seen:
        return Outcome.FAIL
    if Outcome.UNKNOWN in seen:
        return Outcome.UNKNOWN
    return Outcome.PASS


def combine(parts: Sequence[Finding]) -> Finding:
    """One finding from several parts: the worst outcome, every part's reason."""
    if not parts:
        return unknown("nothing to check")
    return Finding(worst(part.outcome for part in parts), "; ".join(p.reason for p in parts))


@dataclass(frozen=True)
class CheckResult:
    """The finding of one named check."""

    check: str
    outcome: Outcome
    reason: str

    def to_json(self) -> dict[str, str]:
        """JSON form."""
        return {"check": self.check, "outcome": self.outcome.value, "reason": self.reason}


@dataclass(frozen=True)
class Evaluation:
    """One readiness evaluation: every check's result."""

    evaluation_id: str
    evaluated_at: float
    """Epoch seconds at the start of the evaluation."""
    trigger: str
    """``schedule`` (EventBridge), ``operator`` (``payment-dr readiness --now``) or ``manual``."""
    results: tuple[CheckResult, ...]
    duration_seconds: float = 0.0

    @property
    def overall(self) -> Outcome:
        """``pass`` only when every check passed; ``fail`` when one failed; else unknown."""
        return worst(result.outcome for result in self.results)

    @property
    def timestamp(self) -> str:
        """ISO 8601 UTC with milliseconds."""
        moment = datetime.fromtimestamp(self.evaluated_at, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def counts(self) -> dict[str, int]:
        """How many checks had each outcome."""
        return {
            outcome.value: sum(1 for r in self.results if r.outcome is outcome)
            for outcome in Outcome
        }

    def to_json(self) -> dict[str, object]:
        """JSON form (the handler's result, the recorded item, ``payment-dr readiness``)."""
        return {
            "evaluation_id": self.evaluation_id,
            "evaluated_at": self.timestamp,
            "trigger": self.trigger,
            "overall": self.overall.value,
            "counts": self.counts(),
            "duration_seconds": round(self.duration_seconds, 3),
            "checks": [result.to_json() for result in self.results],
        }

    def lines(self) -> list[str]:
        """Text for operators: the overall outcome, then one line per check."""
        counts = self.counts()
        head = (
            f"readiness {self.overall.value.upper()} at {self.timestamp} ({self.trigger}): "
            f"{counts['pass']} pass, {counts['fail']} fail, {counts['unknown']} unknown"
        )
        return [head] + [
            f"  {result.outcome.value.upper():7} {result.check}: {result.reason}"
            for result in self.results
        ]
