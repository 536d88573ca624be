"""The scoring method: `method` is the pure maths (numpy over plain values, no Django);
`inputs` reads what it needs from the database; `compute` runs it over a set of observations."""
