"""Decision-level fusion strategies (``harness_fusions``), fitted on stored validation posteriors."""
