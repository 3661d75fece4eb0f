"""The domain model of a 一件事 bundle: scenario files, levers, journeys and counts."""
