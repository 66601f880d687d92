"""Terraform derivations that tables cannot express (registered with @hook)."""
