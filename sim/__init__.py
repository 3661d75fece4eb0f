"""The discrete-event engine (SimPy) and, for live mode, the load harness."""
