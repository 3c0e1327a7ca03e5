"""Early warning (issue 18): the rider shortfall each served zone faces in the next hours, and
actions an operator can apply in one step."""
