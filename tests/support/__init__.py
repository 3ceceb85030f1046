"""Test support: real processes (Azurite, the local Functions host) on free loopback ports."""
