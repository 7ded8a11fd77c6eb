"""Development, benchmark and profiling tools; none of it runs in production."""
