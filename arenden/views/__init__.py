"""Case views: worklist, registration, the case page with its actions, offer letter, access-log review."""
