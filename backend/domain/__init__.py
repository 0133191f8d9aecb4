"""Pure clinical rules: stdlib and dataclasses only; ``now`` and time zones are passed in."""
