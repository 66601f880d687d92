"""CloudFormation (YAML, JSON, SAM): read with the shared YAML span loader, evaluate intrinsic functions,
produce native resources for the mapping tables (`normalize/tables/cloudformation_*.yaml`)."""
