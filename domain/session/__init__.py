"""The session core: the whole user session as a state machine that every front end
drives with intents and draws from views (see docs/ARCHITECTURE.md)."""

from domain.session.core import SessionCore, walk
from domain.session.states import Step
from domain.session.views import View

__all__ = ["SessionCore", "Step", "View", "walk"]
