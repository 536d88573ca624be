"""Observations: the evidence. `services` is every write (record, correct, retract,
reinstate); `forms` and `resources` (CSV import) validate what analysts enter; `fixtures`
loads the reviewed catalogue, sources and feeds."""
