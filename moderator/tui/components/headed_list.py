"""A list of items drawn line by line under a heading line that does not scroll: the thread list of an archive and
the triage queue. Only the lines on screen are drawn, so a list of 10,000 items scrolls as quickly as one of 20.
It never takes the keyboard: its screen's keys move the cursor; a click says which item it was on."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.theme import Theme


class HeadedList(ScrollView):
    """Items of ``lines_per_item`` lines each under a heading line. A subclass says how many items there are
    (:meth:`item_count`), draws the heading and each line of an item, and says what a click on an item means
    (:meth:`item_clicked`); the cursor, scrolling, paging and clicks are here, once."""

    can_focus = False
    lines_per_item = 1

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.cursor = 0  # the item under the cursor

    def on_mount(self) -> None:
        # The item colours depend on the theme: draw again when it changes (the command palette can switch it).
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        self.refresh()

    # -- what a subclass says ---------------------------------------------------------------------------------
    def item_count(self) -> int:
        raise NotImplementedError

    def heading(self, width: int) -> Strip:
        raise NotImplementedError

    def item_line(self, index: int, part: int, width: int) -> Strip:
        """Line ``part`` (from 0) of item ``index``, ``width`` cells wide."""
        raise NotImplementedError

    def item_clicked(self, index: int) -> None:
        raise NotImplementedError

    # -- drawing ----------------------------------------------------------------------------------------------
    def fit_to_items(self) -> None:
        """Make the scrollable height the heading and every item's lines (after the items changed)."""
        self.virtual_size = Size(1, self.lines_per_item * self.item_count() + 1)

    def _width(self) -> int:
        return self.scrollable_content_region.width or self.size.width

    def render_line(self, y: int) -> Strip:
        width = self._width()
        if y == 0:
            return self.heading(width)
        index, part = divmod(y - 1 + self.scroll_offset.y, self.lines_per_item)
        if index >= self.item_count():
            return Strip.blank(width)
        return self.item_line(index, part, width)

    @staticmethod
    def line(text: str, style: Style, width: int, *, styled_padding: bool = False) -> Strip:
        """``text`` in ``style``, cut or padded to ``width`` cells (the padding plain, or in ``style`` too)."""
        return Strip([Segment(text, style)]).adjust_cell_length(width, style if styled_padding else None)

    # -- the cursor -------------------------------------------------------------------------------------------
    @property
    def page(self) -> int:
        """Whole items on screen (below the heading)."""
        return max(1, (self.scrollable_content_region.height - 1) // self.lines_per_item)

    def move_to(self, index: int) -> None:
        count = self.item_count()
        if not count:
            return
        self.cursor = max(0, min(index, count - 1))
        self.follow()
        self.refresh()

    def follow(self) -> None:
        """Scroll the least that shows every line of the cursor's item under the heading."""
        lines = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)  # the line drawn first, under the heading
        first = self.lines_per_item * self.cursor
        last = first + self.lines_per_item - 1
        if first < top:
            top = first
        elif last >= top + lines:
            top = last - lines + 1
        self.scroll_to(y=top, animate=False, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        self.follow()

    def on_click(self, event: events.Click) -> None:
        index = (event.y - 1 + self.scroll_offset.y) // self.lines_per_item
        if event.y >= 1 and 0 <= index < self.item_count():
            self.item_clicked(index)
