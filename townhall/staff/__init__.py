"""The back office: work queues, request handling, settings and the audit trail (issue 3)."""
