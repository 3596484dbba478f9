"""Each label's score against its threshold, with the evidence sentence of flagged labels; on a comment marked for
review, the labels the model suggests say "suggested" (in words: a colour alone would not tell a flag apart)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moderator.review import ReviewSession
from moderator.tui.text import literal

BAR = 12


class ScorePanel(Static):
    def show(self, session: ReviewSession) -> None:
        score = session.current_score
        if score is None:
            self.update(Text("scoring…" if not session.scored else "no score", style="italic dim"))
            return
        lines = []
        suggested = set(score.suggested) if score.review and not score.flags else set()
        for label in session.taxonomy.labels:
            p = score.scores.get(label.id, 0.0)
            threshold = session.thresholds.get(label.id, 1.0)
            flagged, is_suggested = label.id in score.flags, label.id in suggested
            filled = int(round(p * BAR))
            mark = min(int(round(threshold * BAR)), BAR - 1)
            bar = "".join("█" if i < filled else ("│" if i == mark else "░") for i in range(BAR))
            line = Text(f"{label.key} ", style="bold")
            name_style = f"bold {label.color}" if flagged else (f"italic {label.color}" if is_suggested else "")
            line.append(f"{label.id:16}", style=name_style)
            line.append(bar, style=label.color if flagged else "dim")
            line.append(f" {p:4.2f}/{threshold:4.2f}", style="bold" if flagged else "dim")
            if flagged:
                line.append(" ⚑", style=f"bold {label.color}")
            elif is_suggested:
                line.append(" ? suggested", style=f"italic {label.color}")
            lines.append(line)
            sentences = [s for s in score.evidence.get(label.id, []) if s.kind == "sentence"]
            if sentences:
                evidence = literal(" ".join(sentences[0].text.split())[:160], "italic")
                lines.append(Text("    “").append_text(evidence).append("”"))
        self.update(Text("\n").join(lines))
