"""Follow-up statistics of brokering (/uppfoljning/): aggregates of the cases, charts, exports, monthly reports."""
