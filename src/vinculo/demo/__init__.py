"""The synthetic demo: a fictional U.S.–Mexico scenario and the code that seeds it."""
