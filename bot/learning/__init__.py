"""Learning from the shop's own data: chat history (csbot learn) and 千牛 quick phrases."""
