"""Security-force units, and in time Leahy vetting, allegations, training and end-use checks."""
