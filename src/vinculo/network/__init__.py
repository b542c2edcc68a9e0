"""Graph building and analysis: who is linked to whom, through what, and where to cut.

Runs from the CLI, a notebook or a worker just as well as from the web: nothing here imports a
web framework. `build` makes a graph (from the store, per actor, or from an FtM file),
`analysis`, `paths` and `disrupt` work on it, `export` writes it for Gephi and friends, and
`service` is the store-backed, audited entry point the API, pages and CLI call.
"""
