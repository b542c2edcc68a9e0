"""Binational exchange: STIX 2.1 mapping, TAXII 2.1 server and client, sync, live stream."""
