"""Customer care: telling customers what happened, in their language."""
