"""Partner webhooks: Standard Webhooks deliveries driven from the event log."""
