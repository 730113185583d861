"""A checkbox whose state is a shape: « [x] » ticked, « [ ] » not (Textual's own shows the
same « ▐X▌ » both ways and tells them apart by colour only)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TickBox(Checkbox):
    label_cell = 4
    """Where the label starts (after « [x] »): the terminal's cursor goes there on focus."""

    def render(self) -> Content:
        mark = "[x]" if self.value else "[ ]"
        label_style = self.get_visual_style("toggle--label")
        return Content.assemble(mark, self.label.pad(1, 1).stylize_before(label_style))
