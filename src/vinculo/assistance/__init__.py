"""Security assistance: programmes, the funding ledger and ForeignAssistance.gov imports."""
