"""The state stage: what earlier requests changed that later answers must reflect."""
