tls_policy = "ELBSecurityPolicy-2016-08"
