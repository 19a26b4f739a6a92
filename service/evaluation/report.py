"""What an evaluation run reports: scores with their signatures, speed, failures and quality flags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# --- Report -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFailure:
    index: int  # position among the evaluated items (0-based)
    line: int  # line in the data file (0 when unknown)
    reason: str  # "ExceptionType: message"


@dataclass
class EvalReport:
    """Everything one evaluation run measured; `to_dict` for JSON, `format_table` for people."""

    task: str
    models: dict[str, str]
    n_items: int
    n_failed: int
    failures: list[ItemFailure]
    scores: dict[str, float]  # "BLEU", "chrF2" or "rouge1", "rouge2", "rougeL", "rougeLsum"
    tokenization: dict[str, str]  # metric name -> tokenisation it used
    signatures: dict[str, str]  # metric name -> sacrebleu signature (translation only)
    seconds_total: float
    seconds_per_item: float
    avg_output_chars: float  # over items that did not fail
    avg_output_tokens: float
    avg_reference_chars: float
    avg_reference_tokens: float
    token_unit: str  # what avg_*_tokens counts, e.g. "ko-mecab tokens"
    quality_flags: dict[str, int]  # quality-guard flag kind -> how many outputs got it
    flagged: list[dict[str, Any]] = field(default_factory=list)  # index, kind, message per flag
    notes: list[str] = field(default_factory=list)
    data: str | None = None
    limit: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def format_table(self) -> str:
        lines = [f"Evaluation: {self.task}" + (f"  ({self.data})" if self.data else "")]
        lines.append("Models:")
        lines += _aligned(
            [(f"  {role}", model) for role, model in sorted(self.models.items())] or [("  -", "")]
        )
        lines.append("")
        rows = [("Metric", "Score", "Tokenisation")]
        rows += [
            (name, f"{value:.2f}", self.tokenization.get(name, "")) for name, value in self.scores.items()
        ]
        lines += _aligned(rows)
        lines.append("")
        flags = ", ".join(f"{kind} {count}" for kind, count in sorted(self.quality_flags.items())) or "none"
        lines += _aligned(
            [
                ("Items", f"{self.n_items} ({self.n_failed} failed)"),
                ("Time per item", f"{self.seconds_per_item:.3f} s ({self.seconds_total:.2f} s total)"),
                (
                    "Output length",
                    f"{self.avg_output_chars:.1f} characters, {self.avg_output_tokens:.1f} {self.token_unit}",
                ),
                (
                    "Reference length",
                    f"{self.avg_reference_chars:.1f} characters, "
                    f"{self.avg_reference_tokens:.1f} {self.token_unit}",
                ),
                ("Quality flags", flags),
            ]
        )
        if self.signatures:
            lines.append("Signatures:")
            lines += _aligned([(f"  {name}", sig) for name, sig in self.signatures.items()])
        for note in self.notes:
            lines.append(f"Note: {note}")
        if self.failures:
            lines.append(f"Failures ({len(self.failures)}):")
            for failure in self.failures:
                where = f"item {failure.index}" + (f" (line {failure.line})" if failure.line else "")
                lines.append(f"  {where}: {failure.reason}")
        return "\n".join(lines)


def _aligned(rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns, each as wide as its widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
