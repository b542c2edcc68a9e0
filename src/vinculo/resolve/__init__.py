"""Identity resolution: name, identifier and date features, and the matching engine."""
