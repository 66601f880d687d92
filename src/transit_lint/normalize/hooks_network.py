"""Firewall-rule and exposure derivations that tables cannot express (registered with @hook)."""
