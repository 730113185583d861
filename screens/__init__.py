"""One Textual screen per documented step. Screens render a flow's state and send the
user's input to it; they hold no business rule."""
