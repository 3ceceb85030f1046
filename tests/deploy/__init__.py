"""Tests of the deployment: image contents, IaC static checks, settings coverage, container fidelity."""
