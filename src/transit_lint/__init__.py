"""transit-lint: finds unprotected data in transit in infrastructure code."""

__version__ = "0.1.0"
