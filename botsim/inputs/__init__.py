"""The input layer: the validated scenario schema and its distributions, the loader (YAML/TOML
files, built-in location profiles, overrides), the run-size limits and the generated scenario
reference. Everything a run reads passes through here once."""
