"""The patient's own pages (issue 18): /patient/, its own layout, sign-in and session."""
