"""Who a request is from and what they may do: tokens, passwords, the viewer, the policy, login limits."""
