"""The civic channel: the public intake (its own process, its own store), and the internal
node's side of the pull protocol that reaches it."""
