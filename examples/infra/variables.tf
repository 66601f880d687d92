variable "public_subnets" {
  type    = list(string)
  default = []
}

variable "vpc_id" {
  type = string
}

variable "tls_policy" {
  type    = string
  default = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "certificate_arn" {
  type    = string
  default = "arn:aws:acm:eu-west-1:123456789012:certificate/example"
}
