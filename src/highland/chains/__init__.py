"""Industrial chains and the chain-length system (链长制): chains as versioned segment trees,
enterprises in segments with evidence, leading firms, and the chain analytics."""
