"""Recognitions (高新技术企业, 科技型中小企业, 创新型中小企业, 专精特新, “小巨人”): their criteria
as rule sets on the policy rule engine, and the registry's cultivation pools (培育库)."""
