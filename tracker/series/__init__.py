"""The stored daily series of each relationship: refreshed from observations, scheduled on
change. `refresh` writes it; `schedule` asks for a refresh once a change commits."""
