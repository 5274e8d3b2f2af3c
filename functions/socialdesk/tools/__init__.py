"""Operator commands (run from a workstation or CI with AWS credentials); not Lambda handlers."""
