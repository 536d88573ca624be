"""Sources: fetch a source's bytes, read them with its adapter, store what they hold.

`fetch` gets the bytes (conditional GET, caps, timeouts); an adapter (`rss`, `gdelt`,
`ofac`, registered in `adapters`) turns them into `SignalData`, all or nothing, with no
database; `matching` suggests indicators for them; `refresh` stores the result and records
the source's health; `triage` records what an analyst (or a refresh) decides of a signal.
"""
