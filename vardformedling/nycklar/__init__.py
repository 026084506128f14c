"""Region-held keys and the cryptography built on them (README "Nycklar och kryptering")."""
