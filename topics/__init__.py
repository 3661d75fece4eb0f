"""The contract between the load harness and the services: topic names, keys, message
schemas, headers and the dead-letter topic.  Harness and services depend on this package,
never on each other."""
