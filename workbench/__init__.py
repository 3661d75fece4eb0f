"""The workbench: onething in the browser (``onething ui``), on the same API as the CLI.

Planners get the catalog, what-if runs, the process map, 走流程, studies, a scenario
editor and their past runs; engineers get a live dashboard of a run on Kafka.  Long work
runs in worker processes (``jobs``), never on the request path.
"""
