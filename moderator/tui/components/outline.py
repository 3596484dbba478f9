"""The thread outline: one row per comment with its flags and decision state."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import DataTable

from moderator.review import ReviewSession
from moderator.textsafe import one_line


class Outline(DataTable):
    """Comment number, author, the keys of the labels the model flags, and the decision state.

    It never takes the keyboard (the screen's keys drive the review); clicking a row chooses that comment."""

    can_focus = False

    class CommentChosen(Message):
        """The moderator picked the comment at ``position`` of the queue."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self._keys: dict[str, str] = {}

    def fill(self, session: ReviewSession) -> None:
        self._keys = {label.id: label.key for label in session.taxonomy.labels}
        self.clear(columns=True)
        self.add_column("#", key="number")
        self.add_column("author", key="author", width=14)
        self.add_column("flags", key="flags", width=7)
        self.add_column("state", key="state", width=7)
        rows = []
        for index in session.order:
            comment = session.thread.comments[index]
            number = str(comment.number) if comment.number is not None else "?"
            rows.append((number, one_line(comment.author or "-", 14), self._flags(session, index),
                         self._state(session, index)))
        self.add_rows(rows)
        self.move_cursor(row=session.position, animate=False)

    def _flags(self, session: ReviewSession, index: int) -> str:
        score = session.scores[index]
        if score is None:
            return "…" if not session.scored else ""
        return "".join(self._keys.get(label, "?") for label in score.flags)

    def _state(self, session: ReviewSession, index: int) -> str:
        decision = session.decisions[index]
        if decision is None:
            return "·"
        if decision.action == "ok":
            return "ok"
        keys = "".join(self._keys.get(label, "?") for label in decision.labels)
        return f"{(decision.action or '?')[:4]} {keys}".strip()

    def show_decision(self, session: ReviewSession, index: int) -> None:
        if index not in session.order:
            return
        row = self._position_of(session, index)
        self.update_cell_at((row, 2), self._flags(session, index))
        self.update_cell_at((row, 3), self._state(session, index))

    @staticmethod
    def _position_of(session: ReviewSession, index: int) -> int:
        # Decisions are made on the current comment, so look there first: O(1) for the common case.
        if session.order[session.position] == index:
            return session.position
        if session.position > 0 and session.order[session.position - 1] == index:
            return session.position - 1
        return session.order.index(index)

    def follow(self, session: ReviewSession) -> None:
        if self.cursor_row != session.position:
            self.move_cursor(row=session.position, animate=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.CommentChosen(event.cursor_row))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
