"""Scanning many threads into one triage queue: every flagged or marked comment across threads, sorted by concern,
scored in worker processes (joblib), or on a Dask cluster through joblib's Dask backend."""
