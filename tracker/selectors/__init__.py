"""Reads that pages and the API need, by topic; each N+1-safe. They never write."""
