"""The voice worker: line-delimited JSON on stdin/stdout, speech-to-text inside (DESIGN.md §3)."""
