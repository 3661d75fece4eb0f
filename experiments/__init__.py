"""What-if studies: experiment specs, the runner, results, plots and the report."""
