"""What an outside probe sends: fuzzing, injection, malformed traffic."""
