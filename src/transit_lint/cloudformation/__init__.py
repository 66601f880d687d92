"""CloudFormation (YAML, JSON, SAM): parse with cfn-lint's decoder, evaluate intrinsic functions,
produce native resources for the mapping tables (`normalize/tables/cloudformation_*.yaml`)."""
