"""Checkpoints: devices, the offline checkpoint node, crossing events and their sync, presence, overdue
escalation. See docs/offline-sync.md."""
