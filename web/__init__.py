"""The HTTP face of the Ops Engine (Falcon on Waitress) and the simulated Codex fleet."""
