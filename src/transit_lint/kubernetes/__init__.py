"""Kubernetes manifests: loader, objects, control-plane and ingress readings, table hooks."""
