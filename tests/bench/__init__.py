"""The benchmark harness (bench/) works and measures what it says."""
