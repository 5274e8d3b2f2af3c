"""Docker-free local runtime: the stack from template.yaml in moto, handlers invoked in-process."""
