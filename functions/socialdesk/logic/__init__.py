"""Use cases, one module each; they depend on ports, never on boto3."""
