"""The residents' assistant: answers questions, files requests, checks status, hands over."""
